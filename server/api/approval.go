package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
)

func (h mergeRequestHandler) ApproveMergeRequest(ctx context.Context, req *signalboxv1.ApproveMergeRequestRequest) (*signalboxv1.ApproveMergeRequestResponse, error) {
	sc := scopeFrom(ctx)
	a, err := h.deps.MergeRequests.Approve(ctx, sc, req.GetMergeRequestIid(), req.Sha)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out, err := h.toApprovals(ctx, sc, a)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.ApproveMergeRequestResponse{Approvals: out}, nil
}

func (h mergeRequestHandler) UnapproveMergeRequest(ctx context.Context, req *signalboxv1.UnapproveMergeRequestRequest) (*signalboxv1.UnapproveMergeRequestResponse, error) {
	sc := scopeFrom(ctx)
	a, err := h.deps.MergeRequests.Unapprove(ctx, sc, req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out, err := h.toApprovals(ctx, sc, a)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UnapproveMergeRequestResponse{Approvals: out}, nil
}

func (h mergeRequestHandler) GetMergeRequestApprovals(ctx context.Context, req *signalboxv1.GetMergeRequestApprovalsRequest) (*signalboxv1.GetMergeRequestApprovalsResponse, error) {
	sc := scopeFrom(ctx)
	a, err := h.deps.MergeRequests.GetApprovals(ctx, sc, req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out, err := h.toApprovals(ctx, sc, a)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetMergeRequestApprovalsResponse{Approvals: out}, nil
}

func (h mergeRequestHandler) toApprovals(ctx context.Context, sc *project.Scope, a *mergerequest.Approvals) (*signalboxv1.MergeRequestApprovals, error) {
	v, err := h.deps.MergeRequests.View(ctx, sc.Project, a.MergeRequest)
	if err != nil {
		return nil, err
	}
	out := &signalboxv1.MergeRequestApprovals{
		MergeRequest:    h.mergeRequestFor(ctx, sc, v),
		Approved:        len(a.ApprovedBy) > 0,
		UserHasApproved: a.UserHasApproved,
		UserCanApprove:  a.UserCanApprove,
	}
	for _, by := range a.ApprovedBy {
		out.ApprovedBy = append(out.ApprovedBy, &signalboxv1.MergeRequestApproval{
			User: h.urls.toUser(by.User, false), CreateTime: by.Approval.GetCreateTime(),
		})
	}
	return out, nil
}
