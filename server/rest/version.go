package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// versionEntity is GitLab's GET /version body.
type versionEntity struct {
	Version  string `json:"version"`
	Revision string `json:"revision"`
}

// WithVersion sets what GET /api/v4/version reports: the composition root
// passes the build information (server/buildinfo), the same that
// `signalbox --version` prints. rest imports nothing of the server, so it
// is handed the values.
func WithVersion(version, revision string) Option {
	return optionFunc(func(h *Handler) { h.version = versionEntity{Version: version, Revision: revision} })
}

// getVersion answers GET /api/v4/version. As on GitLab, any signed-in user
// may ask; the API's own authentication decides who is signed in.
func (h *Handler) getVersion(c *call) error {
	if _, err := h.api.users.GetCurrentUser(c.ctx(), &signalboxv1.GetCurrentUserRequest{}); err != nil {
		return err
	}
	return c.ok(http.StatusOK, h.version)
}
