package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// version is GitLab's GET /version (python-gitlab's gl.version()):
// signed-in callers only.
func (h *Handler) version(c *call) error {
	res, err := h.api.metadata.GetMetadata(c.ctx(), &signalboxv1.GetMetadataRequest{})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, versionBody{Version: res.GetVersion(), Revision: res.GetRevision()})
}

// metadata is GitLab's GET /metadata. Signalbox has no KAS (the
// Kubernetes agent server); every feature is on, so "enterprise" is true.
func (h *Handler) metadata(c *call) error {
	res, err := h.api.metadata.GetMetadata(c.ctx(), &signalboxv1.GetMetadataRequest{})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, metadataBody{
		Version: res.GetVersion(), Revision: res.GetRevision(), Enterprise: true,
	})
}

type versionBody struct {
	Version  string `json:"version"`
	Revision string `json:"revision"`
}

type metadataBody struct {
	Version    string `json:"version"`
	Revision   string `json:"revision"`
	KAS        kas    `json:"kas"`
	Enterprise bool   `json:"enterprise"`
}

type kas struct {
	Enabled             bool    `json:"enabled"`
	ExternalURL         *string `json:"externalUrl"`
	ExternalK8sProxyURL *string `json:"externalK8sProxyUrl"`
	Version             *string `json:"version"`
}
