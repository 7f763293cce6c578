package mergetrain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/train"
)

// mergeBatch lands the chain cars of a passed batch test at once
// (train.Merge with Through): under every merge request's lease, taken in
// chain order, the landing is stored on each car (merging, one commit),
// then the target moves once, by compare-and-swap, to the tested commit,
// which contains them all. A merge request that changed since the plan, or
// a target that moved, stops it before the target moves. A crash between
// the two is finished by FinishMerge per car, as for one car.
func (s *Service) mergeBatch(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Merge) error {
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	cars := make([]*storagev1.Car, 0, len(a.Through))
	for _, id := range a.Through {
		c := carByID(cur, id)
		if c == nil {
			return fmt.Errorf("plan names unknown car %d", id)
		}
		cars = append(cars, c)
	}
	moved := false
	var land func(i int) error
	land = func(i int) error {
		c := cars[i]
		return s.mergeRequests.LandByTrain(ctx, p, c.GetMergeRequestIid(), c.GetUserId(), func(mr *storagev1.MergeRequest) (*repository.Landing, error) {
			if !onTrain(mr, c) {
				return nil, nil // it changed since the plan; the next plan sees how
			}
			if i+1 < len(cars) {
				if err := land(i + 1); err != nil || !moved {
					return nil, err
				}
			} else if err := s.moveBatch(ctx, repo, &cur, a, &moved); err != nil || !moved {
				return nil, err
			}
			return s.describeLanding(ctx, repo, c.GetTrainSha(), c.GetSquash())
		})
	}
	if err := land(0); err != nil || !moved {
		return err
	}
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		now := timestamppb.New(s.clock.Now())
		for _, id := range a.Through {
			nc := carByID(next, id)
			merged, err := train.State(nc.GetState()).FinishMerge()
			if err != nil {
				return err
			}
			nc.State, nc.MergeTime, nc.UpdateTime = int32(merged), now, now
		}
		recordOutcomes(next, false, len(a.Through))
		return nil
	})
	if err != nil {
		return err
	}
	iids := make([]string, 0, len(cars))
	for _, c := range cars {
		iids = append(iids, "!"+itoa(c.GetMergeRequestIid()))
	}
	for _, c := range cars {
		s.deleteRef(ctx, p, trainRef(c.GetMergeRequestIid()), c.GetTrainSha())
		if len(cars) > 1 {
			body := fmt.Sprintf("merged this merge request in a batch of %d (%s), tested together by pipeline #%d", len(cars), strings.Join(iids, ", "), carByID(cur, a.Car).GetPipelineId())
			s.notes.System(ctx, p.GetId(), c.GetMergeRequestIid(), c.GetUserId(), body, "car:"+itoa(c.GetId())+":batch")
		}
		s.publishCar(ctx, next, c.GetId())
	}
	s.logger.InfoContext(ctx, "batch merged", "project_id", p.GetId(), "cars", len(cars), "sha", a.SHA)
	return nil
}

// moveBatch stores the landing on every car of the batch, then moves the
// target from a.From to a.SHA. A target that moved meanwhile voids the
// landing: the cars go back to stale.
func (s *Service) moveBatch(ctx context.Context, repo repository.Repository, cur **storagev1.Train, a train.Merge, moved *bool) error {
	target, err := repo.Ref(ctx, repository.BranchRef((*cur).GetTargetBranch()))
	if err != nil || target != a.From {
		return err // moved: plan again
	}
	next, err := s.commit(ctx, *cur, func(next *storagev1.Train) error {
		now := timestamppb.New(s.clock.Now())
		for _, id := range a.Through {
			nc := carByID(next, id)
			merging, err := train.State(nc.GetState()).StartMerge()
			if err != nil {
				return err
			}
			nc.State, nc.MergeSha, nc.MergeFromSha, nc.UpdateTime = int32(merging), a.SHA, a.From, now
		}
		return nil
	})
	if err != nil {
		return err
	}
	*cur = next
	err = repo.MoveBranch(ctx, next.GetTargetBranch(), a.SHA, a.From)
	if errors.Is(err, repository.ErrBranchMoved) {
		for _, id := range a.Through {
			if err := s.revert(ctx, cur, id); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	s.crash.Here("train.merge.moved")
	*moved = true
	return nil
}
