package api

import (
	"context"

	"connectrpc.com/connect/v2"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/statuscheck"
)

type statusCheckHandler struct{ handlers }

func (h statusCheckHandler) ListStatusChecks(ctx context.Context, req *signalboxv1.ListStatusChecksRequest) (*signalboxv1.ListStatusChecksResponse, error) {
	all, err := h.deps.StatusChecks.List(ctx, scopeFrom(ctx))
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListStatusChecksResponse{TotalSize: int64(len(all))}
	for _, c := range page(all, req.GetPage(), req.GetPerPage()) {
		out.Checks = append(out.Checks, toStatusCheck(c))
	}
	return out, nil
}

func (h statusCheckHandler) CreateStatusCheck(ctx context.Context, req *signalboxv1.CreateStatusCheckRequest) (*signalboxv1.CreateStatusCheckResponse, error) {
	c, err := h.deps.StatusChecks.Create(ctx, scopeFrom(ctx), statuscheck.CreateParams{
		Name:               req.GetName(),
		ExternalURL:        req.GetExternalUrl(),
		SharedSecret:       req.GetSharedSecret(),
		ProtectedBranchIDs: req.GetProtectedBranchIds(),
		TimeoutSeconds:     req.GetTimeoutSeconds(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CreateStatusCheckResponse{Check: toStatusCheck(c)}, nil
}

func (h statusCheckHandler) UpdateStatusCheck(ctx context.Context, req *signalboxv1.UpdateStatusCheckRequest) (*signalboxv1.UpdateStatusCheckResponse, error) {
	params := statuscheck.UpdateParams{
		Name:           req.Name,
		ExternalURL:    req.ExternalUrl,
		SharedSecret:   req.SharedSecret,
		TimeoutSeconds: req.TimeoutSeconds,
	}
	if req.ProtectedBranchIds != nil {
		ids := req.GetProtectedBranchIds().GetIds()
		params.ProtectedBranchIDs = &ids
	}
	c, err := h.deps.StatusChecks.Update(ctx, scopeFrom(ctx), req.GetCheckId(), params)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UpdateStatusCheckResponse{Check: toStatusCheck(c)}, nil
}

func (h statusCheckHandler) DeleteStatusCheck(ctx context.Context, req *signalboxv1.DeleteStatusCheckRequest) (*signalboxv1.DeleteStatusCheckResponse, error) {
	if err := h.deps.StatusChecks.Delete(ctx, scopeFrom(ctx), req.GetCheckId()); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.DeleteStatusCheckResponse{}, nil
}

func (h statusCheckHandler) ListMergeRequestStatusChecks(context.Context, *signalboxv1.ListMergeRequestStatusChecksRequest) (*signalboxv1.ListMergeRequestStatusChecksResponse, error) {
	return nil, connect.NewError(connect.CodeUnimplemented, "merge requests are not available yet")
}

func (h statusCheckHandler) SetStatusCheckResponse(context.Context, *signalboxv1.SetStatusCheckResponseRequest) (*signalboxv1.SetStatusCheckResponseResponse, error) {
	return nil, connect.NewError(connect.CodeUnimplemented, "merge requests are not available yet")
}

func (h statusCheckHandler) RetryStatusCheck(context.Context, *signalboxv1.RetryStatusCheckRequest) (*signalboxv1.RetryStatusCheckResponse, error) {
	return nil, connect.NewError(connect.CodeUnimplemented, "merge requests are not available yet")
}
