package mergetrain

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// Merge is GitLab's merge of a merge request (PUT .../merge) on a project
// that may run merge trains. With auto_merge on a project with trains, the
// merge request goes to its train, now or once its checks pass, as GitLab's
// default strategy there does; otherwise it merges at once (skipping any
// train) or, with auto_merge, when its checks pass.
func (s *Service) Merge(ctx context.Context, sc *project.Scope, iid int64, p mergerequest.MergeParams) (*mergerequest.View, error) {
	if !p.AutoMerge || !sc.Project.GetSettings().GetMergeTrainsEnabled() {
		return s.mergeRequests.Merge(ctx, sc, iid, p)
	}
	_, _, err := s.Add(ctx, sc, iid, AddParams{SHA: p.SHA, Squash: p.Squash != nil && *p.Squash, AutoMerge: true})
	switch {
	case errors.Is(err, ErrAlreadyAutoMerge):
		// Already on its way: GitLab keeps it and answers as for a new one.
	case errors.Is(err, ErrNoStrategy):
		mr, err := s.mergeRequests.Find(ctx, sc, iid)
		if err != nil {
			return nil, err
		}
		m, err := s.mergeRequests.Mergeable(ctx, sc.Project, mr, false)
		if err != nil {
			return nil, err
		}
		return nil, &mergerequest.NotMergeableError{Status: m.Status}
	case err != nil:
		return nil, err
	}
	return s.mergeRequests.Get(ctx, sc, iid)
}

// processArmed gives the project's armed merge requests their chance: those
// set to join their train when their checks pass join it, those set to
// merge when their checks pass merge.
func (s *Service) processArmed(ctx context.Context, p *storagev1.Project) error {
	iids, err := s.store.MergeRequests().Armed(ctx, p.GetId())
	if err != nil {
		return err
	}
	var errs []error
	for _, iid := range iids {
		mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), iid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		switch mr.GetAutoMergeStrategy() {
		case mergerequest.StrategyTrainWhenChecksPass:
			errs = append(errs, s.tryJoin(ctx, p, mr))
		case mergerequest.StrategyWhenChecksPass:
			errs = append(errs, s.mergeRequests.MergeWhenReady(ctx, p, iid))
		}
	}
	return errors.Join(errs...)
}

// tryJoin puts a merge request armed to join its train on it once its head
// pipeline and status checks pass (GitLab's "add to merge train when checks
// pass"). One whose head moved since it was armed, or that closed, is
// disarmed, as GitLab aborts auto-merge on a push.
func (s *Service) tryJoin(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) error {
	opened := mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED)
	if !opened || mr.GetHeadSha() != mr.GetAutoMergeSha() || !p.GetSettings().GetMergeTrainsEnabled() {
		cleared, err := s.mergeRequests.ClearAutoMerge(ctx, p, mr.GetIid(), mergerequest.StrategyTrainWhenChecksPass, 0, nil)
		if err != nil || !cleared {
			return err
		}
		s.notes.System(ctx, p.GetId(), mr.GetIid(), mr.GetMergeUserId(), "aborted the automatic add to merge train because the merge request changed", "")
		return nil
	}
	ready, err := s.joinableNow(ctx, p, mr)
	if err != nil || !ready {
		return err
	}
	head, err := s.pipelines.Newest(ctx, p.GetId(), mr.GetHeadSha(), "")
	if err != nil || head == nil || pipeline.Status(head.GetStatus()) != pipeline.Success {
		return err // armed merge requests wait for a successful pipeline
	}
	if p.GetSettings().GetOnlyAllowMergeIfAllStatusChecksPassed() {
		passed, _, err := s.checks.Outcome(ctx, p, mr)
		if err != nil || !passed {
			return err
		}
	}
	err = s.join(ctx, p, mr, mergerequest.StrategyTrainWhenChecksPass, mr.GetMergeUserId(), mr.GetSquash())
	if errors.Is(err, ErrAlreadyAutoMerge) {
		return nil // another replica got there first
	}
	return err
}
