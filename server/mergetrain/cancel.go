package mergetrain

import (
	"context"
	"errors"

	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// Cancel takes a merge request off its train, or disarms its auto-merge
// (GitLab's cancel_merge_when_pipeline_succeeds). The cars behind rebuild
// without it. Developers and above.
func (s *Service) Cancel(ctx context.Context, sc *project.Scope, iid int64) (*mergerequest.View, error) {
	mr, err := s.mergeRequests.Find(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	if err := sc.Require(auth.Developer); err != nil {
		return nil, err
	}
	if mr.GetAutoMergeStrategy() == "" {
		return nil, ErrNotAutoMerge
	}
	car, err := s.store.Cars().ForMergeRequest(ctx, sc.Project.GetId(), iid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.note(ctx, sc.Project.GetId(), iid, sc.Caller.UserID, "canceled the automatic add to merge train")
	case err != nil:
		return nil, err
	case train.State(car.GetState()).Active():
		if err := s.removeCar(ctx, sc.Project, car); err != nil {
			return nil, err
		}
		s.note(ctx, sc.Project.GetId(), iid, sc.Caller.UserID, "removed this merge request from the merge train")
		if err := s.markDirty(ctx, sc.Project.GetId(), car.GetTargetBranch()); err != nil {
			return nil, err
		}
	}
	if err := s.mergeRequests.ClearAutoMerge(ctx, sc.Project, iid); err != nil {
		return nil, err
	}
	return s.mergeRequests.Get(ctx, sc, iid)
}
