package rest

import (
	"net/url"
	"strconv"
	"strings"
)

// paginate sets GitLab's offset-pagination headers for one page of total
// items: X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page,
// X-Prev-Page and Link (prev, next, first, last).
func (c *call) paginate(page, perPage int32, total int64) {
	totalPages := max(1, (total+int64(perPage)-1)/int64(perPage))
	h := c.w.Header()
	h.Set("X-Total", strconv.FormatInt(total, 10))
	h.Set("X-Total-Pages", strconv.FormatInt(totalPages, 10))
	c.pageLinks(page, perPage, int64(page) < totalPages, totalPages)
}

// paginateWithoutCount sets the headers of a list GitLab does not count
// (the commits list): no X-Total or X-Total-Pages, and a last page that is
// the next one when there is one, as GitLab's pretend count of "one more
// than this page" gives.
func (c *call) paginateWithoutCount(page, perPage int32, hasNext bool) {
	last := int64(page)
	if hasNext {
		last++
	}
	c.pageLinks(page, perPage, hasNext, last)
}

func (c *call) pageLinks(page, perPage int32, hasNext bool, last int64) {
	h := c.w.Header()
	h.Set("X-Page", strconv.Itoa(int(page)))
	h.Set("X-Per-Page", strconv.Itoa(int(perPage)))
	next, prev := "", ""
	if hasNext {
		next = strconv.Itoa(int(page) + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(int(page) - 1)
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)

	var links []string
	link := func(p, rel string) {
		links = append(links, "<"+c.pageURL(p, perPage)+`>; rel="`+rel+`"`)
	}
	if prev != "" {
		link(prev, "prev")
	}
	if next != "" {
		link(next, "next")
	}
	link("1", "first")
	link(strconv.FormatInt(last, 10), "last")
	h.Set("Link", strings.Join(links, ", "))
}

// pageURL is the request's URL on the external host with page and per_page
// set, other query parameters kept in their order.
func (c *call) pageURL(page string, perPage int32) string {
	var parts []string
	for _, kv := range strings.Split(c.r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if kv == "" || k == "page" || k == "per_page" {
			continue
		}
		parts = append(parts, kv)
	}
	parts = append(parts, "page="+url.QueryEscape(page), "per_page="+strconv.Itoa(int(perPage)))
	return c.h.externalURL + c.r.URL.EscapedPath() + "?" + strings.Join(parts, "&")
}
