package api

import (
	"context"

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

func (h statusCheckHandler) ListMergeRequestStatusChecks(ctx context.Context, req *signalboxv1.ListMergeRequestStatusChecksRequest) (*signalboxv1.ListMergeRequestStatusChecksResponse, error) {
	all, err := h.deps.StatusChecks.ForMergeRequest(ctx, scopeFrom(ctx), req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListMergeRequestStatusChecksResponse{TotalSize: int64(len(all))}
	for _, c := range page(all, req.GetPage(), req.GetPerPage()) {
		out.StatusChecks = append(out.StatusChecks, toMergeRequestStatusCheck(scopeFrom(ctx), c))
	}
	return out, nil
}

func (h statusCheckHandler) SetStatusCheckResponse(ctx context.Context, req *signalboxv1.SetStatusCheckResponseRequest) (*signalboxv1.SetStatusCheckResponseResponse, error) {
	sc := scopeFrom(ctx)
	a, err := h.deps.StatusChecks.Respond(ctx, sc, req.GetMergeRequestIid(), req.GetExternalStatusCheckId(), req.GetSha(), req.GetStatus())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	v, err := h.deps.MergeRequests.View(ctx, sc.Project, a.MergeRequest)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	// The answer is not the check's settings: its URL follows the rule for
	// showing a check's URL, as in the merge request's checks.
	check := toStatusCheck(a.Check)
	check.ExternalUrl = shownCheckURL(sc.Level, check.GetExternalUrl())
	return &signalboxv1.SetStatusCheckResponseResponse{Response: &signalboxv1.StatusCheckResponse{
		Id:                  a.Response.GetId(),
		MergeRequest:        h.mergeRequestFor(ctx, sc, v),
		ExternalStatusCheck: check,
		Status:              signalboxv1.StatusCheckStatus(a.Response.GetStatus()),
		Sha:                 a.Response.GetSha(),
		CreateTime:          a.Response.GetCreateTime(),
	}}, nil
}

func (h statusCheckHandler) RetryStatusCheck(ctx context.Context, req *signalboxv1.RetryStatusCheckRequest) (*signalboxv1.RetryStatusCheckResponse, error) {
	if err := h.deps.StatusChecks.Retry(ctx, scopeFrom(ctx), req.GetMergeRequestIid(), req.GetExternalStatusCheckId()); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.RetryStatusCheckResponse{}, nil
}

func (h statusCheckHandler) ListDeliveries(ctx context.Context, req *signalboxv1.ListDeliveriesRequest) (*signalboxv1.ListDeliveriesResponse, error) {
	all, err := h.deps.StatusChecks.Deliveries(ctx, scopeFrom(ctx), req.GetCheckId())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListDeliveriesResponse{}
	for _, d := range all {
		out.Deliveries = append(out.Deliveries, toDelivery(d))
	}
	return out, nil
}

func (h statusCheckHandler) Redeliver(ctx context.Context, req *signalboxv1.RedeliverRequest) (*signalboxv1.RedeliverResponse, error) {
	d, err := h.deps.StatusChecks.Redeliver(ctx, scopeFrom(ctx), req.GetCheckId(), req.GetDeliveryId())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.RedeliverResponse{Delivery: toDelivery(d)}, nil
}
