package api

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

// WatchMergeTrain streams snapshots of one target branch's train: at once,
// then after every change in the project (any event may move a train: a
// pipeline, a merge request, a car leaving), and every watchRefresh in case
// an event was missed. Like WatchMergeRequest it counts against the
// caller's open streams and re-checks the token and access while it runs.
func (h mergeTrainHandler) WatchMergeTrain(ctx context.Context, req *signalboxv1.WatchMergeTrainRequest, stream signalboxv1connect.MergeTrainServiceWatchMergeTrainServerStream) error {
	sc := scopeFrom(ctx)
	if sc.Caller == nil {
		return toConnect(ctx, h.logger, auth.ErrUnauthenticated)
	}
	release, err := h.watchers.acquire(sc.Caller.UserID)
	if err != nil {
		return toConnect(ctx, h.logger, err)
	}
	defer release()
	events, cancel := h.deps.Events.Subscribe(sc.Project.GetId())
	defer cancel()

	access := func(opened bool) (*project.Scope, error) {
		caller, err := reauthenticate(ctx)
		if err != nil {
			return nil, err
		}
		fresh, err := h.deps.Projects.Scope(ctx, caller, req.GetProject())
		switch {
		case opened && (errors.Is(err, project.ErrNotFound) || err == nil && !fresh.CanReadMergeRequests()):
			return nil, errAccessLost
		case err != nil:
			return nil, err
		}
		return fresh, nil
	}
	var last *signalboxv1.WatchMergeTrainResponse
	send := func(opened bool) error {
		fresh, err := access(opened)
		if err != nil {
			return toConnect(ctx, h.logger, err)
		}
		snap, err := h.trainSnapshot(ctx, fresh, req.GetTargetBranch())
		if err != nil {
			return toConnect(ctx, h.logger, err)
		}
		if last != nil && proto.Equal(last, snap) {
			return nil
		}
		last = snap
		return stream.Send(snap)
	}
	if err := send(false); err != nil {
		return err
	}
	refresh := time.NewTicker(watchRefresh)
	defer refresh.Stop()
	recheck := time.NewTicker(h.watchLimits.recheck())
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-events:
		case <-refresh.C:
		case <-recheck.C:
			if _, err := access(true); err != nil {
				return toConnect(ctx, h.logger, err)
			}
			continue
		}
		if err := send(true); err != nil {
			if connect.CodeOf(err) == connect.CodeCanceled {
				return nil
			}
			return err
		}
	}
}

// trainSnapshot is the train of branch as the caller with scope sc sees it.
func (h mergeTrainHandler) trainSnapshot(ctx context.Context, sc *project.Scope, branch string) (*signalboxv1.WatchMergeTrainResponse, error) {
	v, err := h.deps.MergeTrains.Train(ctx, sc, branch)
	if err != nil {
		return nil, err
	}
	out := &signalboxv1.WatchMergeTrainResponse{TargetBranch: v.Branch, MergeTrainsEnabled: v.Enabled}
	for _, c := range v.Cars {
		out.Cars = append(out.Cars, h.urls.toCar(sc.Project, c))
	}
	for _, c := range v.Merged {
		out.Merged = append(out.Merged, h.urls.toCar(sc.Project, c))
	}
	for _, d := range v.Dropped {
		out.Dropped = append(out.Dropped, &signalboxv1.DroppedMergeTrainCar{
			Car: h.urls.toCar(sc.Project, d.CarView), Reason: d.Cause.Reason.String(), Message: d.Reason(), DropTime: d.Time,
		})
	}
	return out, nil
}
