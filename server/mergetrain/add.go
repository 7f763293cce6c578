package mergetrain

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
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
// instead when something is still pending. It answers once the train's
// owner has applied the join, and returns whether the merge request now has
// a car, and the whole train.
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
	onTrain := false
	switch {
	case p.AutoMerge && !now && mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED):
		err := s.mergeRequests.SetAutoMerge(ctx, sc.Project, iid, "", mergerequest.AutoMerge{
			Strategy: mergerequest.StrategyTrainWhenChecksPass, UserID: sc.Caller.UserID, SHA: mr.GetHeadSha(), Squash: p.Squash,
		}, nil)
		if errors.Is(err, mergerequest.ErrAutoMergeChanged) {
			return false, nil, ErrAlreadyAutoMerge
		}
		if err != nil {
			return false, nil, err
		}
		s.notes.System(ctx, sc.Project.GetId(), iid, sc.Caller.UserID, "enabled automatic add to merge train when checks pass for "+mr.GetHeadSha(), "")
	case now:
		if err := s.join(ctx, sc.Project, mr, "", sc.Caller.UserID, p.Squash); err != nil {
			return false, nil, err
		}
		onTrain = true
	default:
		return false, nil, ErrNoStrategy
	}
	cars, err := s.list(ctx, sc.Project.GetId(), mr.GetTargetBranch())
	return onTrain, cars, err
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

// join gives a merge request a car at the back of its target's train: its
// auto-merge (from the strategy it has now) and the join command are
// written together, and the call returns once the owner applied the join.
func (s *Service) join(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, from string, userID int64, squash bool) error {
	carID, err := s.store.Trains().NextCarID(ctx)
	if err != nil {
		return err
	}
	ref := store.TrainRef{ProjectID: p.GetId(), Branch: mr.GetTargetBranch()}
	write, cmdID := s.queue(ref, &storagev1.TrainCommand{
		UserId: userID, CreateTime: timestamppb.New(s.clock.Now()),
		Kind: &storagev1.TrainCommand_Join{Join: &storagev1.JoinTrain{
			CarId: carID, MergeRequestIid: mr.GetIid(), HeadSha: mr.GetHeadSha(), Squash: squash || mr.GetSquash(),
		}},
	})
	err = s.mergeRequests.SetAutoMerge(ctx, p, mr.GetIid(), from, mergerequest.AutoMerge{
		Strategy: mergerequest.StrategyMergeTrain, UserID: userID, SHA: mr.GetHeadSha(), Squash: squash,
		CarID: carID, TrainBranch: mr.GetTargetBranch(),
	}, write)
	if errors.Is(err, mergerequest.ErrAutoMergeChanged) {
		return ErrAlreadyAutoMerge
	}
	if err != nil {
		return err
	}
	applied, err := s.await(ctx, p, ref, *cmdID)
	if err != nil {
		return err
	}
	if Outcome(applied.GetOutcome()) != OutcomeJoined {
		return fmt.Errorf("join merge request %d: outcome %d", mr.GetIid(), applied.GetOutcome())
	}
	s.notes.System(ctx, p.GetId(), mr.GetIid(), userID, "started a merge train", "car:"+itoa(carID)+":join")
	s.logger.InfoContext(ctx, "merge request joined its train", "project_id", p.GetId(), "mr_iid", mr.GetIid(), "target_branch", mr.GetTargetBranch(), "car_id", carID)
	return nil
}

// requireRead is GitLab's read_merge_train: reporters and above, or
// readers of a public or internal project.
func (s *Service) requireRead(sc *project.Scope) error {
	if !sc.CanReadMergeRequests() {
		return auth.ErrForbidden
	}
	return nil
}
