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
	v := []string{strconv.FormatInt(total, 10), strconv.FormatInt(totalPages, 10)}
	h["X-Total"] = v[0:1:1]
	h["X-Total-Pages"] = v[1:2:2]
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
	next, prev := "", ""
	if hasNext {
		next = strconv.Itoa(int(page) + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(int(page) - 1)
	}
	// One string for the whole Link header: every list answer sets it, so
	// the URL without its page is built once, not once per link.
	base := c.pageURLBase()
	per := strconv.Itoa(int(perPage))
	var b strings.Builder
	b.Grow(4 * (len(base) + len(per) + 40))
	link := func(p, rel string) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('<')
		b.WriteString(base)
		b.WriteString("page=")
		b.WriteString(url.QueryEscape(p))
		b.WriteString("&per_page=")
		b.WriteString(per)
		b.WriteString(`>; rel="`)
		b.WriteString(rel)
		b.WriteByte('"')
	}
	if prev != "" {
		link(prev, "prev")
	}
	if next != "" {
		link(next, "next")
	}
	link("1", "first")
	link(strconv.FormatInt(last, 10), "last")
	// The keys are canonical already, and the values share one backing
	// array (each slice capped, so no append reaches its neighbour):
	// one allocation instead of one per header.
	v := []string{strconv.Itoa(int(page)), per, next, prev, b.String()}
	h := c.w.Header()
	h["X-Page"] = v[0:1:1]
	h["X-Per-Page"] = v[1:2:2]
	h["X-Next-Page"] = v[2:3:3]
	h["X-Prev-Page"] = v[3:4:4]
	h["Link"] = v[4:5:5]
}

// pageURLBase is the request's URL on the external host up to its page
// parameters: the other query parameters, in their order, each followed by
// "&".
func (c *call) pageURLBase() string {
	var b strings.Builder
	b.WriteString(c.h.externalURL)
	b.WriteString(c.r.URL.EscapedPath())
	b.WriteByte('?')
	for kv := range strings.SplitSeq(c.r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if kv == "" || k == "page" || k == "per_page" {
			continue
		}
		b.WriteString(kv)
		b.WriteByte('&')
	}
	return b.String()
}
