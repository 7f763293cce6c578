package mergerequest

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// Auto-merge strategies, as GitLab names them.
const (
	// StrategyMergeTrain: the merge request is on its target's train.
	StrategyMergeTrain = "merge_train"
	// StrategyTrainWhenChecksPass: it joins the train once its head
	// pipeline and status checks pass.
	StrategyTrainWhenChecksPass = "add_to_merge_train_when_checks_pass"
	// StrategyWhenChecksPass: it merges once its head pipeline and every
	// required check pass (GitLab's auto-merge, formerly "merge when
	// pipeline succeeds").
	StrategyWhenChecksPass = "merge_when_checks_pass"
)

// ErrAutoMergeChanged means the merge request's auto-merge strategy was
// not the one a change expected: someone else set or cleared it first.
var ErrAutoMergeChanged = errors.New("auto-merge changed meanwhile")

// AutoMerge is what a merge request is set to merge by.
type AutoMerge struct {
	Strategy string
	// UserID set it; the merge is done as them.
	UserID int64
	// SHA is the head it was set for; a push disarms it.
	SHA    string
	Squash bool
	// CarID and TrainBranch name the car, for StrategyMergeTrain.
	CarID       int64
	TrainBranch string
}

// Write stores a merge request changed under its lease. Merge trains pass
// one that queues the train's command in the same transaction, so the
// merge request and its car never disagree after a crash.
type Write func(ctx context.Context, mr *storagev1.MergeRequest) error

// SetAutoMerge sets a merge request to auto-merge, only if its strategy is
// still from ("" for none), so that of two callers exactly one wins
// (ErrAutoMergeChanged for the other). A nil write stores it alone.
func (s *Service) SetAutoMerge(ctx context.Context, p *storagev1.Project, iid int64, from string, a AutoMerge, write Write) error {
	return s.changeWith(ctx, p, iid, write, func(mr *storagev1.MergeRequest) error {
		if mr.GetAutoMergeStrategy() != from {
			return ErrAutoMergeChanged
		}
		mr.AutoMergeStrategy, mr.MergeUserId, mr.AutoMergeSha = a.Strategy, a.UserID, a.SHA
		mr.TrainCarId, mr.TrainBranch = a.CarID, a.TrainBranch
		if a.Squash {
			mr.Squash = true
		}
		return nil
	})
}

// ClearAutoMerge turns auto-merge off if the merge request is set to
// strategy ("" for any) and, when carID is not 0, to that car; it reports
// whether it did. A nil write stores it alone.
func (s *Service) ClearAutoMerge(ctx context.Context, p *storagev1.Project, iid int64, strategy string, carID int64, write Write) (bool, error) {
	cleared := false
	err := s.changeWith(ctx, p, iid, write, func(mr *storagev1.MergeRequest) error {
		if mr.GetAutoMergeStrategy() == "" || strategy != "" && mr.GetAutoMergeStrategy() != strategy ||
			carID != 0 && mr.GetTrainCarId() != carID {
			return errUnchanged
		}
		clearAutoMerge(mr)
		cleared = true
		return nil
	})
	return cleared, err
}

func clearAutoMerge(mr *storagev1.MergeRequest) {
	mr.AutoMergeStrategy, mr.MergeUserId, mr.AutoMergeSha = "", 0, ""
	mr.TrainCarId, mr.TrainBranch = 0, ""
}

// LandByTrain merges a merge request through its train: under the merge
// request's lease, so that no edit, push or merge changes it meanwhile,
// land is given the merge request as it is now and makes the target
// contain the train's commit. When land returns a landing, the merge is
// recorded (once: a merge request already merged is left as it is) and the
// status checks are told. land returns a nil landing, and no error, when it
// did not land.
func (s *Service) LandByTrain(ctx context.Context, p *storagev1.Project, iid, mergerID int64, land func(*storagev1.MergeRequest) (*repository.Landing, error)) error {
	var merged *storagev1.MergeRequest
	err := s.locked(ctx, p.GetId(), iid, func() error {
		mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), iid)
		if err != nil {
			return err
		}
		landing, err := land(mr)
		if err != nil || landing == nil {
			return err
		}
		if mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED) {
			return nil // a retry after a crash: recorded and announced already
		}
		now := timestamppb.New(s.clock.Now())
		mr.State = int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED)
		mr.MergeTime, mr.UpdateTime, mr.MergedById = now, now, mergerID
		mr.MergeCommitSha, mr.SquashCommitSha = landing.MergeCommitSHA, landing.SquashCommitSHA
		clearAutoMerge(mr)
		merged = mr
		return s.store.MergeRequests().Update(ctx, mr)
	})
	if err != nil || merged == nil {
		return err
	}
	s.logger.InfoContext(ctx, "merge request merged by its train", "project_id", p.GetId(), "mr_iid", iid, "merge_commit_sha", merged.GetMergeCommitSha())
	s.dispatch(ctx, statuscheck.Change{Project: p, MergeRequest: merged, ActorID: mergerID, Action: "merge"})
	s.publish(ctx, merged)
	return nil
}

// RequireMergeAccess refuses (ErrCannotMerge) a caller who may not merge
// into the target branch.
func (s *Service) RequireMergeAccess(ctx context.Context, sc *project.Scope, target string) error {
	return s.requireMergeAccess(ctx, sc, target)
}

// Find reads a merge request the caller may see.
func (s *Service) Find(ctx context.Context, sc *project.Scope, iid int64) (*storagev1.MergeRequest, error) {
	return s.get(ctx, sc, iid)
}

// errUnchanged ends a change that has nothing to write.
var errUnchanged = errors.New("unchanged")

// change applies f to a merge request under its lease, stores it and tells
// watchers.
func (s *Service) change(ctx context.Context, p *storagev1.Project, iid int64, f func(*storagev1.MergeRequest) error) error {
	return s.changeWith(ctx, p, iid, nil, f)
}

// changeWith is change with the write given (nil: the plain store update).
// f returning errUnchanged writes nothing and is no error.
func (s *Service) changeWith(ctx context.Context, p *storagev1.Project, iid int64, write Write, f func(*storagev1.MergeRequest) error) error {
	if write == nil {
		write = s.store.MergeRequests().Update
	}
	var changed *storagev1.MergeRequest
	err := s.locked(ctx, p.GetId(), iid, func() error {
		mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), iid)
		if err != nil {
			return err
		}
		if err := f(mr); err != nil {
			return err
		}
		changed = mr
		return write(ctx, mr)
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	s.publish(ctx, changed)
	return nil
}
