package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h projectHandler) DeleteProject(ctx context.Context, _ *signalboxv1.DeleteProjectRequest) (*signalboxv1.DeleteProjectResponse, error) {
	if err := h.deps.Projects.Delete(ctx, scopeFrom(ctx)); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.DeleteProjectResponse{}, nil
}
