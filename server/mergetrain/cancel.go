package mergetrain

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// Cancel turns a merge request's auto-merge off (GitLab's
// cancel_merge_when_pipeline_succeeds): it takes it off its train, or
// disarms it. For a car on a train it answers once the train's owner has
// applied the cancel, so success means the car will not merge; a car whose
// merge has started merges, and the answer is ErrCannotCancel, as for a
// merge request that is not set to auto-merge. Developers and above.
func (s *Service) Cancel(ctx context.Context, sc *project.Scope, iid int64) (*mergerequest.View, error) {
	mr, err := s.mergeRequests.Find(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	if err := sc.Require(auth.Developer); err != nil {
		return nil, err
	}
	switch mr.GetAutoMergeStrategy() {
	case "":
		return nil, ErrCannotCancel
	case mergerequest.StrategyMergeTrain:
		if err := s.leave(ctx, sc, mr); err != nil {
			return nil, err
		}
	default:
		cleared, err := s.mergeRequests.ClearAutoMerge(ctx, sc.Project, iid, mr.GetAutoMergeStrategy(), 0, nil)
		if err != nil {
			return nil, err
		}
		if !cleared {
			return nil, ErrCannotCancel // changed meanwhile: merged, or someone else cancelled
		}
		body := "canceled the automatic merge"
		if mr.GetAutoMergeStrategy() == mergerequest.StrategyTrainWhenChecksPass {
			body = "canceled the automatic add to merge train"
		}
		s.notes.System(ctx, sc.Project.GetId(), iid, sc.Caller.UserID, body, "")
	}
	return s.mergeRequests.Get(ctx, sc, iid)
}

// leave takes a merge request's car off its train: its auto-merge is turned
// off and the leave command queued together, then the owner applies it.
func (s *Service) leave(ctx context.Context, sc *project.Scope, mr *storagev1.MergeRequest) error {
	ref := store.TrainRef{ProjectID: sc.Project.GetId(), Branch: mr.GetTrainBranch()}
	if ref.Branch == "" {
		ref.Branch = mr.GetTargetBranch()
	}
	write, cmdID := s.queue(ref, &storagev1.TrainCommand{
		UserId: sc.Caller.UserID, CreateTime: timestamppb.New(s.clock.Now()),
		Kind: &storagev1.TrainCommand_Leave{Leave: &storagev1.LeaveTrain{MergeRequestIid: mr.GetIid()}},
	})
	cleared, err := s.mergeRequests.ClearAutoMerge(ctx, sc.Project, mr.GetIid(), mergerequest.StrategyMergeTrain, mr.GetTrainCarId(), write)
	if err != nil {
		return err
	}
	if !cleared {
		return ErrCannotCancel // left meanwhile (dropped, merged, cancelled)
	}
	applied, err := s.await(ctx, sc.Project, ref, *cmdID)
	if err != nil {
		return err
	}
	if Outcome(applied.GetOutcome()) == OutcomeMerging {
		return ErrCannotCancel
	}
	return nil
}
