package rest

import (
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// commitDetail is GitLab's CommitDetail entity: a commit with its project,
// and its status and last pipeline (null: Signalbox does not tie them to a
// commit here; GET .../commits/:sha/statuses has the statuses).
type commitDetail struct {
	commitEntity
	Status       *string   `json:"status"`
	ProjectID    int64     `json:"project_id"`
	LastPipeline *struct{} `json:"last_pipeline"`
}

// getCommit is GitLab's GET /projects/:id/repository/commits/:sha (a sha or
// a branch name); python-gitlab's commits.get(sha).
func (h *Handler) getCommit(c *call) error {
	res, err := h.api.repository.GetCommit(c.ctx(), &signalboxv1.GetCommitRequest{
		Project: c.r.PathValue("id"), Sha: c.r.PathValue("sha"),
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, commitDetail{commitEntity: newCommit(res.GetCommit()), ProjectID: res.GetProjectId()})
}

// listCommits is GitLab's GET /projects/:id/repository/commits: a page of
// a revision's history (the default branch's when ref_name is absent),
// newest first. Like GitLab it does not count the history: no X-Total or
// X-Total-Pages. with_stats is accepted and ignored (no stats are kept).
func (h *Handler) listCommits(c *call) error {
	req := &signalboxv1.ListCommitsRequest{Project: c.r.PathValue("id")}
	var err error
	if req.RefName, _, err = c.params.str("ref_name"); err != nil {
		return err
	}
	if req.Path, _, err = c.params.str("path"); err != nil {
		return err
	}
	if req.Author, _, err = c.params.str("author"); err != nil {
		return err
	}
	if req.Since, err = c.params.dateTime("since"); err != nil {
		return err
	}
	if req.Until, err = c.params.dateTime("until"); err != nil {
		return err
	}
	for _, b := range []struct {
		name string
		to   *bool
	}{{"all", &req.All}, {"first_parent", &req.FirstParent}, {"trailers", &req.Trailers}, {"with_stats", new(bool)}} {
		if *b.to, _, err = c.params.bool(b.name); err != nil {
			return err
		}
	}
	order, _, err := c.params.str("order")
	if err != nil {
		return err
	}
	switch order {
	case "", "default":
	case "topo":
		req.TopoOrder = true
	default:
		return &paramError{name: "order", reason: "does not have a valid value"}
	}
	if req.Page, req.PerPage, err = c.params.pageParams(); err != nil {
		return err
	}
	res, err := h.api.repository.ListCommits(c.ctx(), req)
	if err != nil {
		return err
	}
	out := make([]commitEntity, 0, len(res.GetCommits()))
	for _, cm := range res.GetCommits() {
		out = append(out, newCommit(cm))
	}
	c.paginateWithoutCount(req.Page, req.PerPage, res.GetHasNextPage())
	return c.ok(http.StatusOK, out)
}

// dateTimeLayouts are the forms of Grape's DateTime coercion that clients
// send: ISO 8601 with or without a zone (UTC when none), fractions of a
// second, a space for the T, or only a date.
var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// dateTime reads a DateTime parameter; nil when absent or empty.
func (p *params) dateTime(name string) (*timestamppb.Timestamp, error) {
	s, ok, err := p.str(name)
	if err != nil || !ok || strings.TrimSpace(s) == "" {
		return nil, err
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return timestamppb.New(t), nil
		}
	}
	return nil, invalid(name)
}
