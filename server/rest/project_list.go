package rest

import (
	"net/http"
	"slices"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// projectOrders are GitLab's order_by values for GET /projects that
// Signalbox can order by.
var projectOrders = []string{"id", "name", "path", "created_at", "updated_at", "last_activity_at"}

// listProjects is GET /projects with GitLab's filters: search,
// search_namespaces, owned, membership, order_by, sort and simple.
func (h *Handler) listProjects(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	req := &signalboxv1.ListProjectsRequest{Page: page, PerPage: perPage}
	if req.OrderBy, err = c.params.oneOf("order_by", projectOrders); err != nil {
		return err
	}
	if req.Sort, err = c.params.oneOf("sort", []string{"asc", "desc"}); err != nil {
		return err
	}
	bools := []struct {
		name string
		dst  *bool
	}{
		{"membership", &req.Membership},
		{"owned", &req.Owned},
		{"search_namespaces", &req.SearchNamespaces},
	}
	for _, b := range bools {
		if *b.dst, _, err = c.params.bool(b.name); err != nil {
			return err
		}
	}
	if req.Search, _, err = c.params.str("search"); err != nil {
		return err
	}
	simple, _, err := c.params.bool("simple")
	if err != nil {
		return err
	}
	res, err := h.api.projects.ListProjects(c.ctx(), req)
	if err != nil {
		return err
	}
	c.paginate(page, perPage, res.GetTotalSize())
	if simple {
		out := make([]*simpleProject, 0, len(res.GetProjects()))
		for _, p := range res.GetProjects() {
			out = append(out, newSimpleProject(newProject(p)))
		}
		return c.ok(http.StatusOK, out)
	}
	out := make([]*project, 0, len(res.GetProjects()))
	for _, p := range res.GetProjects() {
		out = append(out, newProject(p))
	}
	return c.ok(http.StatusOK, out)
}

// oneOf reads a string parameter that must be one of values, with Grape's
// answer for any other value, an empty one included:
// 400 {"error":"<name> does not have a valid value"}.
func (p *params) oneOf(name string, values []string) (string, error) {
	s, ok, err := p.str(name)
	if err != nil || !ok {
		return "", err
	}
	if !slices.Contains(values, s) {
		return "", &paramError{name: name, reason: "does not have a valid value"}
	}
	return s, nil
}
