package mergetrain

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/train"
)

// chain gives a chain car a new train commit on the car ahead (or the
// target), without a pipeline (train.Chain). The ref points at the commit
// at once, so a test of it later finds it.
func (s *Service) chain(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Chain) error {
	landing, base, failed, err := s.trainCommit(ctx, p, cur, a.Car, a.On, a.Cancel)
	if failed || err != nil {
		return err
	}
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		nc := carByID(next, a.Car)
		fresh, err := train.State(nc.GetState()).RefreshPipeline()
		nc.State, nc.PipelineId, nc.TrainSha, nc.BaseCarId, nc.BaseSha = int32(fresh), 0, landing, a.On, base
		nc.Failure, nc.BatchId, nc.UpdateTime = nil, 0, timestamppb.New(s.clock.Now())
		return err
	})
	if err == nil {
		s.publishCar(ctx, next, a.Car)
	}
	return err
}

// test creates the pipeline of the batch that ends at a chain car
// (train.Test) and marks the batch's cars with it.
func (s *Service) test(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Test) error {
	c := carByID(cur, a.Car)
	ref := trainRef(c.GetMergeRequestIid())
	pl, err := s.pipelines.Create(ctx, p, c.GetTrainSha(), ref, "merge_request_event", c.GetUserId())
	if err != nil {
		return s.fail(ctx, cur, a.Car, train.Cause{Reason: train.ReasonPipelineNotCreated, Detail: gitrepo.Display(err.Error())}, c.GetBaseSha())
	}
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		now := timestamppb.New(s.clock.Now())
		for _, m := range batchOf(next, a.Car) {
			m.BatchId, m.UpdateTime = a.Car, now
		}
		carByID(next, a.Car).PipelineId = pl.GetId()
		return nil
	})
	if err != nil {
		if cancel := s.pipelines.Cancel(context.WithoutCancel(ctx), p, pl.GetId()); cancel != nil {
			s.logger.WarnContext(ctx, "cancel the pipeline of a test that was not stored", "project_id", p.GetId(), "pipeline_id", pl.GetId(), "error", cancel)
		}
		return err
	}
	s.cancelOrphans(ctx, p, c.GetTrainSha(), ref, pl.GetId())
	for _, m := range batchOf(next, a.Car) {
		s.publishCar(ctx, next, m.GetId())
	}
	return nil
}

// batchOf lists the chain cars a test at car end covers: end and the cars
// ahead of it back to the previous tested one, in chain order.
func batchOf(t *storagev1.Train, end int64) []*storagev1.Car {
	var chain []*storagev1.Car
	for _, c := range t.GetCars() {
		if c.GetSeq() != 0 && train.State(c.GetState()).Active() {
			chain = append(chain, c)
		}
	}
	slices.SortStableFunc(chain, func(a, b *storagev1.Car) int { return int(a.GetSeq() - b.GetSeq()) })
	i := slices.IndexFunc(chain, func(c *storagev1.Car) bool { return c.GetId() == end })
	if i < 0 {
		return nil
	}
	j := i
	for j > 0 && chain[j-1].GetPipelineId() == 0 {
		j--
	}
	return chain[j : i+1]
}

// screen tests a pending car alone on the target head (train.Screen): the
// ref first, then the pipeline, so CI finds the commit when it hears of it.
func (s *Service) screen(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Screen) error {
	c := carByID(cur, a.Car)
	if a.Cancel != 0 {
		if err := s.pipelines.Cancel(ctx, p, a.Cancel); err != nil {
			return err
		}
	}
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	target, err := repo.Ref(ctx, repository.BranchRef(cur.GetTargetBranch()))
	if err != nil {
		return err
	}
	if target == "" {
		return s.fail(ctx, cur, a.Car, train.Cause{Reason: train.ReasonPreviousRefMissing}, target)
	}
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
	if err != nil {
		return err
	}
	landing, err := s.landing(ctx, p, repo, c, mr, target)
	var conflict *repository.ConflictError
	if errors.As(err, &conflict) {
		return s.fail(ctx, cur, a.Car, train.Cause{Reason: train.ReasonConflict, Paths: conflict.Paths}, target)
	}
	if err != nil {
		return err
	}
	ref := screenRef(c.GetMergeRequestIid())
	if err := repo.SetRef(ctx, ref, landing.SHA); err != nil {
		return err
	}
	pl, err := s.pipelines.Create(ctx, p, landing.SHA, ref, "merge_request_event", c.GetUserId())
	if err != nil {
		return s.fail(ctx, cur, a.Car, train.Cause{Reason: train.ReasonPipelineNotCreated, Detail: gitrepo.Display(err.Error())}, target)
	}
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		nc := carByID(next, a.Car)
		nc.ScreenPipelineId, nc.ScreenSha, nc.ScreenBaseSha = pl.GetId(), landing.SHA, target
		nc.Failure, nc.UpdateTime = nil, timestamppb.New(s.clock.Now())
		return nil
	})
	if err != nil {
		if cancel := s.pipelines.Cancel(context.WithoutCancel(ctx), p, pl.GetId()); cancel != nil {
			s.logger.WarnContext(ctx, "cancel the pipeline of a screen that was not stored", "project_id", p.GetId(), "pipeline_id", pl.GetId(), "error", cancel)
		}
		return err
	}
	s.cancelOrphans(ctx, p, landing.SHA, ref, pl.GetId())
	s.publishCar(ctx, next, a.Car)
	return nil
}

// admit puts a pending car at the back of the chain (train.Admit).
func (s *Service) admit(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Admit) error {
	c := carByID(cur, a.Car)
	screened := c.GetScreenSha()
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		next.LastSeq = max(next.GetLastSeq(), maxSeq(next)) + 1
		nc := carByID(next, a.Car)
		nc.Seq, nc.Suspect, nc.UpdateTime = next.GetLastSeq(), false, timestamppb.New(s.clock.Now())
		nc.ScreenPipelineId, nc.ScreenSha, nc.ScreenBaseSha = 0, "", ""
		return nil
	})
	if err != nil {
		return err
	}
	s.deleteRef(ctx, p, screenRef(c.GetMergeRequestIid()), screened)
	s.publishCar(ctx, next, a.Car)
	return nil
}

// expel and split take cars out of the chain to be tested again
// (train.Expel, train.Split): no place, commit, pipeline or screen; marked
// suspect, and blamed once more for an expel with blame.
func (s *Service) expel(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, cancel int64, blame bool, ids ...int64) error {
	if cancel != 0 {
		if err := s.pipelines.Cancel(ctx, p, cancel); err != nil {
			return err
		}
	}
	var gone []*storagev1.Car
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		now := timestamppb.New(s.clock.Now())
		for _, id := range ids {
			nc := carByID(next, id)
			gone = append(gone, &storagev1.Car{MergeRequestIid: nc.GetMergeRequestIid(), TrainSha: nc.GetTrainSha(), ScreenSha: nc.GetScreenSha()})
			stale, err := train.State(nc.GetState()).OutdatePipeline()
			if err != nil {
				return err
			}
			nc.State, nc.Seq, nc.Suspect, nc.BatchId, nc.UpdateTime = int32(stale), 0, true, 0, now
			nc.PipelineId, nc.TrainSha, nc.BaseCarId, nc.BaseSha = 0, "", 0, ""
			nc.ScreenPipelineId, nc.ScreenSha, nc.ScreenBaseSha = 0, "", ""
			if blame {
				nc.Failures++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range gone {
		s.deleteRef(ctx, p, trainRef(c.GetMergeRequestIid()), c.GetTrainSha())
		s.deleteRef(ctx, p, screenRef(c.GetMergeRequestIid()), c.GetScreenSha())
	}
	for _, id := range ids {
		s.publishCar(ctx, next, id)
	}
	return nil
}

// deleteRef removes a server-owned ref while it holds sha; a stale ref is
// harmless, so a failure is only logged.
func (s *Service) deleteRef(ctx context.Context, p *storagev1.Project, ref, sha string) {
	if sha == "" {
		return
	}
	repo, err := s.repos.Open(ctx, p)
	if err == nil {
		err = repo.DeleteRefAt(ctx, ref, sha)
	}
	if err != nil {
		s.logger.WarnContext(ctx, "delete ref", "project_id", p.GetId(), "ref", ref, "error", err)
	}
}

func maxSeq(t *storagev1.Train) int64 {
	var m int64
	for _, c := range t.GetCars() {
		m = max(m, c.GetSeq())
	}
	return m
}
