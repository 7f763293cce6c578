package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/buildinfo"
)

// versionEntity is GitLab's GET /version body.
type versionEntity struct {
	Version  string `json:"version"`
	Revision string `json:"revision"`
}

// version answers GET /api/v4/version with the build information that
// `signalbox --version` prints. As on GitLab, any signed-in user may ask;
// the API's own authentication decides who is signed in.
func (h *Handler) version(c *call) error {
	if _, err := h.api.users.GetCurrentUser(c.ctx(), &signalboxv1.GetCurrentUserRequest{}); err != nil {
		return err
	}
	info := buildinfo.Read()
	return c.ok(http.StatusOK, versionEntity{Version: info.Version, Revision: info.ShortRevision()})
}
