package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/project"
)

// WatchMergeTrain streams snapshots of one target branch's train: at once,
// then after every change in the project (any event may move a train: a
// pipeline, a merge request, a car leaving), and every watchRefresh in case
// an event was missed. Like WatchMergeRequest it counts against the
// caller's open streams and re-checks the token and access while it runs.
func (h mergeTrainHandler) WatchMergeTrain(ctx context.Context, req *signalboxv1.WatchMergeTrainRequest, stream signalboxv1connect.MergeTrainServiceWatchMergeTrainServerStream) error {
	everything := func(event.Event) bool { return true }
	snapshot := func(sc *project.Scope) (*signalboxv1.WatchMergeTrainResponse, error) {
		return h.trainSnapshot(ctx, sc, req.GetTargetBranch())
	}
	return follow(ctx, h.handlers, req.GetProject(), everything, snapshot, stream.Send)
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
