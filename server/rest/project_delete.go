package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// deleteProject is GitLab's DELETE /projects/:id: owners only, and the
// project's removal runs in the background, so GitLab answers with its
// accepted! helper: 202 and a message body.
func (h *Handler) deleteProject(c *call) error {
	if _, err := h.api.projects.DeleteProject(c.ctx(), &signalboxv1.DeleteProjectRequest{Project: c.r.PathValue("id")}); err != nil {
		return err
	}
	return c.ok(http.StatusAccepted, message{"202 Accepted"})
}
