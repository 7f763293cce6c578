package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
)

type mergeRequestHandler struct{ handlers }

func (h mergeRequestHandler) CreateMergeRequest(ctx context.Context, req *signalboxv1.CreateMergeRequestRequest) (*signalboxv1.CreateMergeRequestResponse, error) {
	v, err := h.deps.MergeRequests.Create(ctx, scopeFrom(ctx), mergerequest.CreateParams{
		SourceBranch: req.GetSourceBranch(), TargetBranch: req.GetTargetBranch(),
		Title: req.GetTitle(), Description: req.GetDescription(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CreateMergeRequestResponse{MergeRequest: h.mergeRequestFor(ctx, scopeFrom(ctx), v)}, nil
}

func (h mergeRequestHandler) GetMergeRequest(ctx context.Context, req *signalboxv1.GetMergeRequestRequest) (*signalboxv1.GetMergeRequestResponse, error) {
	v, err := h.deps.MergeRequests.Get(ctx, scopeFrom(ctx), req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetMergeRequestResponse{MergeRequest: h.mergeRequestFor(ctx, scopeFrom(ctx), v)}, nil
}

func (h mergeRequestHandler) ListMergeRequests(ctx context.Context, req *signalboxv1.ListMergeRequestsRequest) (*signalboxv1.ListMergeRequestsResponse, error) {
	sc := scopeFrom(ctx)
	all, err := h.deps.MergeRequests.List(ctx, sc, mergerequest.ListParams{
		State: req.GetState(), SourceBranch: req.GetSourceBranch(), TargetBranch: req.GetTargetBranch(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	list := &signalboxv1.ListMergeRequestsResponse{TotalSize: int64(len(all))}
	for _, mr := range page(all, req.GetPage(), req.GetPerPage()) {
		v, err := h.deps.MergeRequests.View(ctx, sc.Project, mr)
		if err != nil {
			return nil, toConnect(ctx, h.logger, err)
		}
		list.MergeRequests = append(list.MergeRequests, h.mergeRequestFor(ctx, sc, v))
	}
	return list, nil
}

func (h mergeRequestHandler) UpdateMergeRequest(ctx context.Context, req *signalboxv1.UpdateMergeRequestRequest) (*signalboxv1.UpdateMergeRequestResponse, error) {
	v, err := h.deps.MergeRequests.Update(ctx, scopeFrom(ctx), req.GetMergeRequestIid(), mergerequest.UpdateParams{
		Title: req.Title, Description: req.Description, TargetBranch: req.TargetBranch, StateEvent: req.GetStateEvent(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UpdateMergeRequestResponse{MergeRequest: h.mergeRequestFor(ctx, scopeFrom(ctx), v)}, nil
}

func (h mergeRequestHandler) MergeMergeRequest(ctx context.Context, req *signalboxv1.MergeMergeRequestRequest) (*signalboxv1.MergeMergeRequestResponse, error) {
	v, err := h.deps.MergeTrains.Merge(ctx, scopeFrom(ctx), req.GetMergeRequestIid(), mergerequest.MergeParams{
		SHA: req.Sha, Squash: req.Squash, Message: req.MergeCommitMessage, SquashMessage: req.SquashCommitMessage,
		AutoMerge: req.GetAutoMerge(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.MergeMergeRequestResponse{MergeRequest: h.mergeRequestFor(ctx, scopeFrom(ctx), v)}, nil
}
