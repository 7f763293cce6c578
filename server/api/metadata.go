package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/buildinfo"
)

// metadataHandler serves MetadataService; the auth interceptor refuses
// anonymous callers, as GitLab's /version does.
type metadataHandler struct{ handlers }

func (h metadataHandler) GetMetadata(ctx context.Context, _ *signalboxv1.GetMetadataRequest) (*signalboxv1.GetMetadataResponse, error) {
	bi := buildinfo.Read()
	return &signalboxv1.GetMetadataResponse{Version: bi.Version, Revision: bi.ShortRevision()}, nil
}
