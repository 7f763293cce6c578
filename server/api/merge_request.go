package api

import (
	"context"
	"errors"
	"sort"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/mergetrain"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
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
	return &signalboxv1.CreateMergeRequestResponse{MergeRequest: h.urls.toMergeRequest(scopeFrom(ctx).Project, v)}, nil
}

func (h mergeRequestHandler) GetMergeRequest(ctx context.Context, req *signalboxv1.GetMergeRequestRequest) (*signalboxv1.GetMergeRequestResponse, error) {
	v, err := h.deps.MergeRequests.Get(ctx, scopeFrom(ctx), req.GetMergeRequestIid())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetMergeRequestResponse{MergeRequest: h.urls.toMergeRequest(scopeFrom(ctx).Project, v)}, nil
}

func (h mergeRequestHandler) ListMergeRequests(ctx context.Context, req *signalboxv1.ListMergeRequestsRequest) (*signalboxv1.ListMergeRequestsResponse, error) {
	sc := scopeFrom(ctx)
	all, err := h.deps.MergeRequests.List(ctx, sc, mergerequest.ListParams{
		State: req.GetState(), SourceBranch: req.GetSourceBranch(), TargetBranch: req.GetTargetBranch(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListMergeRequestsResponse{TotalSize: int64(len(all))}
	for _, mr := range page(all, req.GetPage(), req.GetPerPage()) {
		v, err := h.deps.MergeRequests.View(ctx, sc.Project, mr)
		if err != nil {
			return nil, toConnect(ctx, h.logger, err)
		}
		out.MergeRequests = append(out.MergeRequests, h.urls.toMergeRequest(sc.Project, v))
	}
	return out, nil
}

func (h mergeRequestHandler) UpdateMergeRequest(ctx context.Context, req *signalboxv1.UpdateMergeRequestRequest) (*signalboxv1.UpdateMergeRequestResponse, error) {
	v, err := h.deps.MergeRequests.Update(ctx, scopeFrom(ctx), req.GetMergeRequestIid(), mergerequest.UpdateParams{
		Title: req.Title, Description: req.Description, TargetBranch: req.TargetBranch, StateEvent: req.GetStateEvent(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UpdateMergeRequestResponse{MergeRequest: h.urls.toMergeRequest(scopeFrom(ctx).Project, v)}, nil
}

func (h mergeRequestHandler) MergeMergeRequest(ctx context.Context, req *signalboxv1.MergeMergeRequestRequest) (*signalboxv1.MergeMergeRequestResponse, error) {
	v, err := h.deps.MergeRequests.Merge(ctx, scopeFrom(ctx), req.GetMergeRequestIid(), mergerequest.MergeParams{
		SHA: req.Sha, Squash: req.Squash, Message: req.MergeCommitMessage, SquashMessage: req.SquashCommitMessage,
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.MergeMergeRequestResponse{MergeRequest: h.urls.toMergeRequest(scopeFrom(ctx).Project, v)}, nil
}

// watchRefresh re-sends the state now and then even without events, so a
// watcher recovers from a missed event (events are hints, not a log).
const watchRefresh = 30 * time.Second

func (h mergeRequestHandler) WatchMergeRequest(ctx context.Context, req *signalboxv1.WatchMergeRequestRequest, stream signalboxv1connect.MergeRequestServiceWatchMergeRequestServerStream) error {
	sc := scopeFrom(ctx)
	events, cancel := h.deps.Events.Subscribe(sc.Project.GetId())
	defer cancel()
	snapshot := func() (*signalboxv1.WatchMergeRequestResponse, error) {
		// Re-read the project so a settings change shows up too.
		fresh, err := h.deps.Projects.Scope(ctx, sc.Caller, req.GetProject())
		if err != nil {
			return nil, err
		}
		v, err := h.deps.MergeRequests.Get(ctx, fresh, req.GetMergeRequestIid())
		if err != nil {
			return nil, err
		}
		out := &signalboxv1.WatchMergeRequestResponse{MergeRequest: h.urls.toMergeRequest(fresh.Project, v)}
		checks, err := h.deps.StatusChecks.ForMergeRequest(ctx, fresh, req.GetMergeRequestIid())
		// A reader who may not see the checks still sees the merge request.
		if err != nil && !errors.Is(err, auth.ErrForbidden) {
			return nil, err
		}
		for _, c := range checks {
			out.StatusChecks = append(out.StatusChecks, toMergeRequestStatusCheck(fresh, c))
		}
		if out.Deliveries, err = h.deliveries(ctx, fresh, req.GetMergeRequestIid(), checks); err != nil {
			return nil, err
		}
		car, err := h.deps.MergeTrains.Get(ctx, fresh, req.GetMergeRequestIid())
		switch {
		case err == nil:
			out.Car = h.urls.toCar(fresh.Project, car)
		case !errors.Is(err, mergetrain.ErrCarNotFound) && !errors.Is(err, auth.ErrForbidden):
			return nil, err
		}
		return out, nil
	}
	var last *signalboxv1.WatchMergeRequestResponse
	send := func() error {
		snap, err := snapshot()
		if err != nil {
			return toConnect(ctx, h.logger, err)
		}
		if last != nil && proto.Equal(last, snap) {
			return nil
		}
		last = snap
		return stream.Send(snap)
	}
	if err := send(); err != nil {
		return err
	}
	ticker := time.NewTicker(watchRefresh)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-events:
			if e.MergeRequestIID != 0 && e.MergeRequestIID != req.GetMergeRequestIid() && e.Kind != event.PipelineChanged {
				continue
			}
		case <-ticker.C:
		}
		if err := send(); err != nil {
			if connect.CodeOf(err) == connect.CodeCanceled {
				return nil
			}
			return err
		}
	}
}

// deliveries are the deliveries of a merge request's checks, newest first,
// when the caller may read delivery logs (maintainers); none otherwise.
func (h mergeRequestHandler) deliveries(ctx context.Context, sc *project.Scope, iid int64, checks []statuscheck.CheckStatus) ([]*signalboxv1.Delivery, error) {
	var out []*signalboxv1.Delivery
	for _, c := range checks {
		all, err := h.deps.StatusChecks.Deliveries(ctx, sc, c.Check.Record.GetId())
		if errors.Is(err, auth.ErrForbidden) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, d := range all {
			if d.GetMergeRequestIid() == iid {
				out = append(out, toDelivery(d))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetId() > out[j].GetId() })
	return out, nil
}
