package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// branchEntity is GitLab's Branch entity.
type branchEntity struct {
	Name               string       `json:"name"`
	Commit             commitEntity `json:"commit"`
	Merged             bool         `json:"merged"`
	Protected          bool         `json:"protected"`
	DevelopersCanPush  bool         `json:"developers_can_push"`
	DevelopersCanMerge bool         `json:"developers_can_merge"`
	CanPush            bool         `json:"can_push"`
	Default            bool         `json:"default"`
	WebURL             string       `json:"web_url"`
}

// commitEntity is GitLab's Commit entity.
type commitEntity struct {
	ID             string            `json:"id"`
	ShortID        string            `json:"short_id"`
	CreatedAt      gitlabTime        `json:"created_at"`
	ParentIDs      []string          `json:"parent_ids"`
	Title          string            `json:"title"`
	Message        string            `json:"message"`
	AuthorName     string            `json:"author_name"`
	AuthorEmail    string            `json:"author_email"`
	AuthoredDate   gitlabTime        `json:"authored_date"`
	CommitterName  string            `json:"committer_name"`
	CommitterEmail string            `json:"committer_email"`
	CommittedDate  gitlabTime        `json:"committed_date"`
	Trailers       map[string]string `json:"trailers"`
	// ExtendedTrailers keeps every value of a key repeated in the trailers.
	ExtendedTrailers map[string][]string `json:"extended_trailers"`
	WebURL           string              `json:"web_url"`
}

func newCommit(c *signalboxv1.Commit) commitEntity {
	short := c.GetId()
	if len(short) > 8 {
		short = short[:8]
	}
	parents := c.GetParentIds()
	if parents == nil {
		parents = []string{}
	}
	// GitLab's trailers keep a repeated key's last value.
	trailers, extended := map[string]string{}, map[string][]string{}
	for _, t := range c.GetTrailers() {
		trailers[t.GetKey()] = t.GetValue()
		extended[t.GetKey()] = append(extended[t.GetKey()], t.GetValue())
	}
	return commitEntity{
		ID: c.GetId(), ShortID: short, CreatedAt: ts(c.GetCommittedTime()), ParentIDs: parents,
		Title: c.GetTitle(), Message: c.GetMessage(),
		AuthorName: c.GetAuthorName(), AuthorEmail: c.GetAuthorEmail(), AuthoredDate: ts(c.GetAuthoredTime()),
		CommitterName: c.GetCommitterName(), CommitterEmail: c.GetCommitterEmail(), CommittedDate: ts(c.GetCommittedTime()),
		Trailers: trailers, ExtendedTrailers: extended, WebURL: c.GetWebUrl(),
	}
}

func newBranch(b *signalboxv1.Branch) branchEntity {
	return branchEntity{
		Name: b.GetName(), Commit: newCommit(b.GetCommit()), Merged: b.GetMerged(), Protected: b.GetProtected(),
		DevelopersCanPush: b.GetDevelopersCanPush(), DevelopersCanMerge: b.GetDevelopersCanMerge(),
		CanPush: b.GetCanPush(), Default: b.GetDefault(), WebURL: b.GetWebUrl(),
	}
}

func (h *Handler) listBranches(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	search, _, err := c.params.str("search")
	if err != nil {
		return err
	}
	res, err := h.api.repository.ListBranches(c.ctx(), &signalboxv1.ListBranchesRequest{
		Project: c.r.PathValue("id"), Search: search, Page: page, PerPage: perPage,
	})
	if err != nil {
		return err
	}
	out := make([]branchEntity, 0, len(res.GetBranches()))
	for _, b := range res.GetBranches() {
		out = append(out, newBranch(b))
	}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, out)
}

func (h *Handler) getBranch(c *call) error {
	res, err := h.api.repository.GetBranch(c.ctx(), &signalboxv1.GetBranchRequest{Project: c.r.PathValue("id"), Branch: c.r.PathValue("branch")})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newBranch(res.GetBranch()))
}
