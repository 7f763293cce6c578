package mergetrain

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/train"
)

// merge lands a car whose pipeline passed, under its merge request's lease
// so nothing changes the merge request meanwhile. The landing is stored
// (merging) before the target moves, and the car goes back to stale,
// without touching the target, when the target moved since the plan; the
// target only ever moves from where the landing starts, by compare-and-swap.
func (s *Service) merge(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Merge) error {
	c := carByID(cur, a.Car)
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	return s.land(ctx, p, repo, c, func(mr *storagev1.MergeRequest) (*repository.Landing, error) {
		if !onTrain(mr, c) {
			return nil, nil // it changed since the plan; the next plan sees how
		}
		sha, from := a.SHA, a.From
		if a.Onto {
			target, err := repo.Ref(ctx, repository.BranchRef(cur.GetTargetBranch()))
			if err != nil || target != a.From {
				return nil, err // moved again: plan again
			}
			landing, err := s.landing(ctx, p, repo, c, mr, target)
			var conflict *repository.ConflictError
			if errors.As(err, &conflict) {
				return nil, s.fail(ctx, cur, c.GetId(), train.Cause{Reason: train.ReasonConflict, Paths: conflict.Paths}, target)
			}
			if err != nil {
				return nil, err
			}
			sha = landing.SHA
		}
		// Decided: from here on the car merges, whatever arrives meanwhile.
		next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
			nc := carByID(next, a.Car)
			merging, err := train.State(nc.GetState()).StartMerge()
			nc.State, nc.MergeSha, nc.MergeFromSha, nc.UpdateTime = int32(merging), sha, from, timestamppb.New(s.clock.Now())
			return err
		})
		if err != nil {
			return nil, err
		}
		cur = next
		return s.moveTarget(ctx, p, repo, cur, carByID(cur, a.Car))
	}, &cur)
}

// finishMerge lands a car found merging: its landing was stored, then the
// refresh stopped. See train.FinishMerge.
func (s *Service) finishMerge(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.FinishMerge) error {
	c := carByID(cur, a.Car)
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	return s.land(ctx, p, repo, c, func(mr *storagev1.MergeRequest) (*repository.Landing, error) {
		target, err := repo.Ref(ctx, repository.BranchRef(cur.GetTargetBranch()))
		if err != nil {
			return nil, err
		}
		if landed, err := contains(ctx, repo, target, c.GetMergeSha()); err != nil || landed {
			if err != nil {
				return nil, err
			}
			return s.describeLanding(ctx, repo, c.GetMergeSha(), c.GetSquash())
		}
		if target != c.GetMergeFromSha() || c.GetMergeSha() == "" || !onTrain(mr, c) {
			return nil, s.revert(ctx, &cur, c.GetId())
		}
		return s.moveTarget(ctx, p, repo, cur, c)
	}, &cur)
}

// land runs move under the merge request's lease; when it returns a
// landing, the merge request is recorded merged and the car merged.
func (s *Service) land(ctx context.Context, p *storagev1.Project, repo repository.Repository, c *storagev1.Car, move func(*storagev1.MergeRequest) (*repository.Landing, error), cur **storagev1.Train) error {
	landed := false
	err := s.mergeRequests.LandByTrain(ctx, p, c.GetMergeRequestIid(), c.GetUserId(), func(mr *storagev1.MergeRequest) (*repository.Landing, error) {
		l, err := move(mr)
		landed = l != nil
		return l, err
	})
	if err != nil || !landed {
		return err
	}
	next, err := s.commit(ctx, *cur, func(next *storagev1.Train) error {
		nc := carByID(next, c.GetId())
		merged, err := train.State(nc.GetState()).FinishMerge()
		now := timestamppb.New(s.clock.Now())
		nc.State, nc.MergeTime, nc.UpdateTime = int32(merged), now, now
		recordOutcomes(next, false, 1)
		return err
	})
	if err != nil {
		return err
	}
	if err := repo.DeleteRefAt(ctx, trainRef(c.GetMergeRequestIid()), c.GetTrainSha()); err != nil {
		s.logger.WarnContext(ctx, "delete train ref", "project_id", p.GetId(), "mr_iid", c.GetMergeRequestIid(), "error", err)
	}
	s.logger.InfoContext(ctx, "car merged", "project_id", p.GetId(), "mr_iid", c.GetMergeRequestIid(), "sha", carByID(next, c.GetId()).GetMergeSha())
	s.publishCar(ctx, next, c.GetId())
	return nil
}

// moveTarget moves the target from the merging car's MergeFromSha to its
// MergeSha, by compare-and-swap. A target that moved meanwhile voids the
// landing: the car goes back to stale, never merged untested.
func (s *Service) moveTarget(ctx context.Context, p *storagev1.Project, repo repository.Repository, cur *storagev1.Train, c *storagev1.Car) (*repository.Landing, error) {
	err := repo.MoveBranch(ctx, cur.GetTargetBranch(), c.GetMergeSha(), c.GetMergeFromSha())
	if errors.Is(err, repository.ErrBranchMoved) {
		return nil, s.revert(ctx, &cur, c.GetId())
	}
	if err != nil {
		return nil, err
	}
	// The worst moment to die: merged in git, not yet in the store.
	s.crash.Here("train.merge.moved")
	return s.describeLanding(ctx, repo, c.GetMergeSha(), c.GetSquash())
}

// revert puts a merging car whose landing is void back to stale.
func (s *Service) revert(ctx context.Context, cur **storagev1.Train, id int64) error {
	next, err := s.commit(ctx, *cur, func(next *storagev1.Train) error {
		nc := carByID(next, id)
		stale, err := train.State(nc.GetState()).RevertMerge()
		nc.State, nc.MergeSha, nc.MergeFromSha, nc.UpdateTime = int32(stale), "", "", timestamppb.New(s.clock.Now())
		return err
	})
	if err != nil {
		return err
	}
	*cur = next
	s.logger.InfoContext(ctx, "car rebuilt: the target moved before it landed", "car_id", id)
	return nil
}

// onTrain reports whether mr is still what car c was built from: open, at
// the car's head, set to merge by this car.
func onTrain(mr *storagev1.MergeRequest, c *storagev1.Car) bool {
	return mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED) &&
		mr.GetHeadSha() == c.GetHeadSha() &&
		mr.GetAutoMergeStrategy() == mergerequest.StrategyMergeTrain && mr.GetTrainCarId() == c.GetId()
}

// contains reports whether the target head holds sha.
func contains(ctx context.Context, repo repository.Repository, target, sha string) (bool, error) {
	if target == "" || sha == "" {
		return false, nil
	}
	if target == sha {
		return true, nil
	}
	return repo.IsAncestor(ctx, sha, target)
}

// describeLanding names the merge and squash commits of a landed train
// commit, as GitLab reports them.
func (s *Service) describeLanding(ctx context.Context, repo repository.Repository, sha string, squash bool) (*repository.Landing, error) {
	c, err := repo.Commit(ctx, sha)
	if err != nil {
		return nil, err
	}
	l := &repository.Landing{SHA: sha}
	switch {
	case len(c.ParentIDs) >= 2:
		l.MergeCommitSHA = sha
		if squash {
			l.SquashCommitSHA = c.ParentIDs[1]
		}
	case squash:
		l.SquashCommitSHA = sha
	}
	return l, nil
}
