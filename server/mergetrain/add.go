package mergetrain

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// AddParams are the options of adding a merge request to its train.
type AddParams struct {
	// SHA, when set, must be the head.
	SHA *string
	// Squash squashes the merge request when it lands.
	Squash bool
	// AutoMerge arms the merge request to join once its head pipeline and
	// status checks pass, when they have not yet.
	AutoMerge bool
}

// Add puts a merge request on its target branch's train, in GitLab's order
// of checks (spec M4): who may read trains, the merge request, the sha, who
// may merge, auto-merge already set, trains enabled. It joins at once when
// it is mergeable and its head pipeline is complete (successful when the
// project requires pipelines to succeed); with AutoMerge, it is armed
// instead when something is still pending. It returns whether the merge
// request now has a car, and the whole train.
func (s *Service) Add(ctx context.Context, sc *project.Scope, iid int64, p AddParams) (bool, []*CarView, error) {
	if err := s.requireRead(sc); err != nil {
		return false, nil, err
	}
	mr, err := s.mergeRequests.Find(ctx, sc, iid)
	if err != nil {
		return false, nil, err
	}
	if p.SHA != nil && *p.SHA != mr.GetHeadSha() {
		return false, nil, &mergerequest.ShaMismatchError{Head: mr.GetHeadSha()}
	}
	if err := s.mergeRequests.RequireMergeAccess(ctx, sc, mr.GetTargetBranch()); err != nil {
		return false, nil, err
	}
	if mr.GetAutoMergeStrategy() != "" {
		return false, nil, ErrAlreadyAutoMerge
	}
	if !sc.Project.GetSettings().GetMergeTrainsEnabled() {
		return false, nil, ErrTrainsDisabled
	}
	now, err := s.joinableNow(ctx, sc.Project, mr)
	if err != nil {
		return false, nil, err
	}
	switch {
	case p.AutoMerge && !now && mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED):
		err := s.mergeRequests.SetAutoMerge(ctx, sc.Project, iid, "", mergerequest.StrategyTrainWhenChecksPass, sc.Caller.UserID, mr.GetHeadSha(), p.Squash)
		if errors.Is(err, mergerequest.ErrAutoMergeChanged) {
			return false, nil, ErrAlreadyAutoMerge
		}
		if err != nil {
			return false, nil, err
		}
		s.note(ctx, sc.Project.GetId(), iid, sc.Caller.UserID, "enabled automatic add to merge train when checks pass for "+mr.GetHeadSha())
	case now:
		if err := s.join(ctx, sc.Project, mr, "", sc.Caller.UserID, p.Squash); err != nil {
			return false, nil, err
		}
	default:
		return false, nil, ErrNoStrategy
	}
	cars, err := s.list(ctx, sc.Project.GetId(), mr.GetTargetBranch())
	if err != nil {
		return false, nil, err
	}
	_, err = s.store.Cars().ForMergeRequest(ctx, sc.Project.GetId(), iid)
	onTrain := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, nil, err
	}
	return onTrain, cars, nil
}

// joinableNow is GitLab's "merge train" strategy being available: the merge
// request may merge (CI aside: the train tests the merged result) and its
// head pipeline is complete, and successful when pipelines must succeed.
func (s *Service) joinableNow(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) (bool, error) {
	m, err := s.mergeRequests.Mergeable(ctx, p, mr, true)
	if err != nil {
		return false, err
	}
	if m.Status != mergerequest.StatusMergeable && m.Status != mergerequest.StatusNeedRebase {
		return false, nil
	}
	head, err := s.pipelines.Newest(ctx, p.GetId(), mr.GetHeadSha(), "")
	if err != nil || head == nil {
		return false, err
	}
	status := pipeline.Status(head.GetStatus())
	if p.GetSettings().GetOnlyAllowMergeIfPipelineSucceeds() {
		return status == pipeline.Success, nil
	}
	return pipeline.Complete(status), nil
}

// join gives a merge request its car, at the back of its target's train;
// from is the auto-merge strategy it has now.
func (s *Service) join(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, from string, userID int64, squash bool) error {
	// Set to merge first: a refresh that sees the car sees that too.
	err := s.mergeRequests.SetAutoMerge(ctx, p, mr.GetIid(), from, mergerequest.StrategyMergeTrain, userID, mr.GetHeadSha(), squash)
	if errors.Is(err, mergerequest.ErrAutoMergeChanged) {
		return ErrAlreadyAutoMerge
	}
	if err != nil {
		return err
	}
	now := nowProto(s.clock)
	if _, err := s.store.Cars().Create(ctx, &storagev1.Car{
		ProjectId: p.GetId(), TargetBranch: mr.GetTargetBranch(), MergeRequestIid: mr.GetIid(), UserId: userID,
		State: int32(train.StateIdle), HeadSha: mr.GetHeadSha(), Squash: squash || mr.GetSquash(),
		CreateTime: now, UpdateTime: now,
	}); err != nil {
		// Put the strategy back; the next event or backstop tries again.
		if undo := s.mergeRequests.SetAutoMerge(ctx, p, mr.GetIid(), mergerequest.StrategyMergeTrain, from, mr.GetMergeUserId(), mr.GetAutoMergeSha(), false); undo != nil {
			s.logger.ErrorContext(ctx, "undo join", "project_id", p.GetId(), "mr_iid", mr.GetIid(), "error", undo)
		}
		return err
	}
	s.note(ctx, p.GetId(), mr.GetIid(), userID, "started a merge train")
	s.logger.InfoContext(ctx, "merge request joined its train", "project_id", p.GetId(), "mr_iid", mr.GetIid(), "target_branch", mr.GetTargetBranch())
	return s.markDirty(ctx, p.GetId(), mr.GetTargetBranch())
}

// requireRead is GitLab's read_merge_train: reporters and above, or
// readers of a public or internal project.
func (s *Service) requireRead(sc *project.Scope) error {
	if !sc.CanReadMergeRequests() {
		return auth.ErrForbidden
	}
	return nil
}
