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
)

// ErrAutoMergeChanged means the merge request's auto-merge strategy was
// not the one a change expected: someone else set or cleared it first.
var ErrAutoMergeChanged = errors.New("auto-merge changed meanwhile")

// SetAutoMerge records that a merge request is on a train, or armed to join
// one, for sha, set by userID; only if its strategy is still from ("" when
// none), so two callers never both win. squash, when true, is kept for the
// merge.
func (s *Service) SetAutoMerge(ctx context.Context, p *storagev1.Project, iid int64, from, strategy string, userID int64, sha string, squash bool) error {
	return s.change(ctx, p, iid, func(mr *storagev1.MergeRequest) error {
		if mr.GetAutoMergeStrategy() != from {
			return ErrAutoMergeChanged
		}
		mr.AutoMergeStrategy, mr.MergeUserId, mr.AutoMergeSha = strategy, userID, sha
		if squash {
			mr.Squash = true
		}
		return nil
	})
}

// ClearAutoMerge takes auto-merge off a merge request.
func (s *Service) ClearAutoMerge(ctx context.Context, p *storagev1.Project, iid int64) error {
	return s.change(ctx, p, iid, func(mr *storagev1.MergeRequest) error {
		mr.AutoMergeStrategy, mr.MergeUserId, mr.AutoMergeSha = "", 0, ""
		return nil
	})
}

// RecordMerged records a merge a merge train made (the target branch already
// moved to landing.SHA) and tells the status checks.
func (s *Service) RecordMerged(ctx context.Context, p *storagev1.Project, iid int64, landing repository.Landing, mergerID int64) error {
	var merged *storagev1.MergeRequest
	err := s.change(ctx, p, iid, func(mr *storagev1.MergeRequest) error {
		if mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED) {
			return nil // a retry after a crash: recorded and announced already
		}
		now := timestamppb.New(s.clock.Now())
		mr.State = int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED)
		mr.MergeTime, mr.UpdateTime, mr.MergedById = now, now, mergerID
		mr.MergeCommitSha, mr.SquashCommitSha = landing.MergeCommitSHA, landing.SquashCommitSHA
		mr.AutoMergeStrategy = ""
		merged = mr
		return nil
	})
	if err != nil || merged == nil {
		return err
	}
	s.dispatch(ctx, statuscheck.Change{Project: p, MergeRequest: merged, ActorID: mergerID, Action: "merge"})
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

// change applies f to a merge request under its lease, stores it and tells
// watchers.
func (s *Service) change(ctx context.Context, p *storagev1.Project, iid int64, f func(*storagev1.MergeRequest) error) error {
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
		return s.store.MergeRequests().Update(ctx, mr)
	})
	if err != nil {
		return err
	}
	s.publish(ctx, changed)
	return nil
}
