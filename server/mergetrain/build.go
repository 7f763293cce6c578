package mergetrain

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/train"
)

// build gives a car a new train commit, on the car ahead or the target, and
// a pipeline for it. A car being rebuilt shows stale first, and the
// pipeline it replaces is cancelled only once that is stored. A conflict is
// stored as the car's failure on that base, for the scheduler to judge.
func (s *Service) build(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Build) error {
	c := carByID(cur, a.Car)
	if st := train.State(c.GetState()); st == train.StateFresh {
		next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
			nc := carByID(next, a.Car)
			stale, err := st.OutdatePipeline()
			nc.State, nc.UpdateTime = int32(stale), timestamppb.New(s.clock.Now())
			return err
		})
		if err != nil {
			return err
		}
		cur, c = next, carByID(next, a.Car)
		s.publishCar(ctx, cur, a.Car)
	}
	// The ref is set first: CI fetches it as soon as it hears of the pipeline.
	landing, base, failed, err := s.trainCommit(ctx, p, cur, a.Car, a.On, a.Cancel)
	if failed || err != nil {
		return err
	}
	pl, err := s.pipelines.Create(ctx, p, landing, trainRef(c.GetMergeRequestIid()), "merge_request_event", c.GetUserId())
	if err != nil {
		return s.fail(ctx, cur, a.Car, train.Cause{Reason: train.ReasonPipelineNotCreated, Detail: gitrepo.Display(err.Error())}, base)
	}
	// The owner dies holding the train: another replica must take it over.
	s.crash.Here("train.build.piped")
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		nc := carByID(next, a.Car)
		fresh, err := train.State(nc.GetState()).RefreshPipeline()
		nc.State, nc.PipelineId, nc.TrainSha, nc.BaseCarId, nc.BaseSha = int32(fresh), pl.GetId(), landing, a.On, base
		nc.Failure, nc.BatchId, nc.UpdateTime = nil, 0, timestamppb.New(s.clock.Now())
		return err
	})
	if err != nil {
		// The car was not built after all: CI need not test this commit.
		if cancel := s.pipelines.Cancel(context.WithoutCancel(ctx), p, pl.GetId()); cancel != nil {
			s.logger.WarnContext(ctx, "cancel the pipeline of a build that was not stored", "project_id", p.GetId(), "pipeline_id", pl.GetId(), "error", cancel)
		}
		return err
	}
	s.cancelOrphans(ctx, p, landing, trainRef(c.GetMergeRequestIid()), pl.GetId())
	s.publishCar(ctx, next, a.Car)
	return nil
}

// cancelOrphans cancels the pipelines an owner that died before storing its
// build left for the same commit (a build on the same base makes the same
// commit): no car waits for them, so CI need not run them.
func (s *Service) cancelOrphans(ctx context.Context, p *storagev1.Project, sha, ref string, keep int64) {
	all, err := s.store.Pipelines().ForSHA(ctx, p.GetId(), sha)
	if err != nil {
		s.logger.WarnContext(ctx, "find orphan train pipelines", "project_id", p.GetId(), "error", err)
		return
	}
	for _, pl := range all {
		if pl.GetId() != keep && pl.GetRef() == ref && !pipeline.Complete(pipeline.Status(pl.GetStatus())) {
			if err := s.pipelines.Cancel(ctx, p, pl.GetId()); err != nil {
				s.logger.WarnContext(ctx, "cancel an orphan train pipeline", "project_id", p.GetId(), "pipeline_id", pl.GetId(), "error", err)
			}
		}
	}
}

// trainCommit makes car id's train commit on the car ahead (on; 0 for the
// target), after cancelling the pipeline it replaces (cancel, if any), and
// points the car's train ref at it. failed says the car could have none and
// its failure was stored instead (err is that store's).
func (s *Service) trainCommit(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, id, on, cancel int64) (sha, base string, failed bool, err error) {
	c := carByID(cur, id)
	if cancel != 0 {
		if err := s.pipelines.Cancel(ctx, p, cancel); err != nil {
			return "", "", false, err
		}
	}
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return "", "", false, err
	}
	if on == 0 {
		if base, err = repo.Ref(ctx, repository.BranchRef(cur.GetTargetBranch())); err != nil {
			return "", "", false, err
		}
	} else {
		base = carByID(cur, on).GetTrainSha()
	}
	if base == "" {
		return "", base, true, s.fail(ctx, cur, id, train.Cause{Reason: train.ReasonPreviousRefMissing}, base)
	}
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
	if err != nil {
		return "", "", false, err
	}
	landing, err := s.landing(ctx, p, repo, c, mr, base)
	var conflict *repository.ConflictError
	if errors.As(err, &conflict) {
		return "", base, true, s.fail(ctx, cur, id, train.Cause{Reason: train.ReasonConflict, Paths: conflict.Paths}, base)
	}
	if err != nil {
		return "", "", false, err
	}
	if err := repo.SetRef(ctx, trainRef(c.GetMergeRequestIid()), landing.SHA); err != nil {
		return "", "", false, err
	}
	return landing.SHA, base, false, nil
}

// fail stores a failure of car id on base; the next plan decides whether it
// is the car's own.
func (s *Service) fail(ctx context.Context, cur *storagev1.Train, id int64, cause train.Cause, base string) error {
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		nc := carByID(next, id)
		nc.Failure, nc.UpdateTime = causeRecord(cause, base), timestamppb.New(s.clock.Now())
		return nil
	})
	if err == nil {
		s.publishCar(ctx, next, id)
	}
	return err
}

// landing is the commit that would land the car's merge request on base,
// honouring the project's merge method and the car's squash. For
// fast-forward and semi-linear projects a merge request not rebased on base
// is rebased first, commit by commit, as GitLab's fast-forward trains do.
// The commit's time is the car's, so building a car again on the same base
// gives the same commit.
func (s *Service) landing(ctx context.Context, p *storagev1.Project, repo repository.Repository, c *storagev1.Car, mr *storagev1.MergeRequest, base string) (repository.Landing, error) {
	who, err := s.store.Users().Get(ctx, c.GetUserId())
	if err != nil {
		return repository.Landing{}, err
	}
	when := c.GetCreateTime().AsTime()
	spec := repository.MergeSpec{
		Target: base, Source: c.GetHeadSha(), Method: methodName(p), Squash: c.GetSquash(),
		SourceBranch: mr.GetSourceBranch(), TargetBranch: mr.GetTargetBranch(), Title: mr.GetTitle(),
		ProjectPath: p.GetNamespacePath() + "/" + p.GetPath(), IID: mr.GetIid(),
		AuthorName: who.GetName(), AuthorEmail: who.GetEmail(), Time: when,
	}
	landing, err := repo.BuildMerge(ctx, spec)
	if !errors.Is(err, repository.ErrNeedsRebase) {
		return landing, err
	}
	rebased, err := repo.Rebase(ctx, base, c.GetHeadSha(), who.GetName(), who.GetEmail(), when)
	if err != nil {
		return repository.Landing{}, err
	}
	spec.Source = rebased
	return repo.BuildMerge(ctx, spec)
}

func methodName(p *storagev1.Project) string {
	switch signalboxv1.MergeMethod(p.GetSettings().GetMergeMethod()) {
	case signalboxv1.MergeMethod_MERGE_METHOD_FF:
		return "ff"
	case signalboxv1.MergeMethod_MERGE_METHOD_REBASE_MERGE:
		return "rebase_merge"
	}
	return "merge"
}
