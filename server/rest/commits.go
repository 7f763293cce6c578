package rest

import (
	"net/http"

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
