package mergetrain

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// snapshot reads a train as train.Schedule sees it: the record's cars, with
// what is true now of their pipelines, merge requests and target.
func (s *Service) snapshot(ctx context.Context, p *storagev1.Project, t *storagev1.Train) (train.Snapshot, error) {
	snap := train.Snapshot{
		Limit:          int(p.GetSettings().GetMaxPipelinesPerMergeTrain()),
		TrainsDisabled: !p.GetSettings().GetMergeTrainsEnabled(),
	}
	strategyOf(p, t, &snap)
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return snap, err
	}
	if snap.TargetSHA, err = repo.Ref(ctx, repository.BranchRef(t.GetTargetBranch())); err != nil {
		return snap, err
	}
	for _, c := range t.GetCars() {
		car := train.Car{ID: c.GetId(), State: train.State(c.GetState()), MergeSHA: c.GetMergeSha(), MergeFrom: c.GetMergeFromSha()}
		if c.GetTrainSha() != "" {
			car.Pipeline = &train.Pipeline{ID: c.GetPipelineId(), SHA: c.GetTrainSha(), BaseCar: c.GetBaseCarId(), BaseSHA: c.GetBaseSha()}
		}
		if f := c.GetFailure(); f != nil {
			car.Failure = &train.Failure{Cause: causeOf(f), BaseSHA: f.GetBaseSha()}
		}
		batchedCar(c, &car)
		if car.State.Refreshable() {
			if err := s.snapshotCar(ctx, p, repo, snap.TargetSHA, t.GetTargetBranch(), c, &car); err != nil {
				return snap, err
			}
		}
		snap.Cars = append(snap.Cars, car)
	}
	return snap, nil
}

func (s *Service) snapshotCar(ctx context.Context, p *storagev1.Project, repo repository.Repository, target, branch string, c *storagev1.Car, car *train.Car) error {
	if car.Pipeline != nil && c.GetPipelineId() != 0 {
		pl, err := s.store.Pipelines().Get(ctx, p.GetId(), c.GetPipelineId())
		switch {
		case err == nil:
			car.Pipeline.Status = trainStatus(pipeline.Status(pl.GetStatus()))
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if err := s.screenStatus(ctx, p, car); err != nil {
		return err
	}
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
	if err != nil {
		return err
	}
	state, err := mergeRequestState(ctx, repo, target, mr)
	if err != nil {
		return err
	}
	if state == train.MergeRequestMerged && keepsPipelinesOverSkips(p) {
		car.MergeSHA, car.MergeFrom = mr.GetLandingSha(), mr.GetLandingFrom()
	}
	car.MergeRequest = train.MergeRequest{
		State:             state,
		Draft:             mr.GetDraft(),
		Broken:            mr.GetSourceMissing(),
		Retargeted:        mr.GetTargetBranch() != branch,
		AutoMergeDisabled: mr.GetAutoMergeStrategy() != mergerequest.StrategyMergeTrain || mr.GetTrainCarId() != c.GetId(),
		SourceChanged:     mr.GetHeadSha() != c.GetHeadSha(),
		Checks:            train.ChecksPassed,
	}
	if car.Pipeline != nil && state == train.MergeRequestOpen {
		if car.Pipeline.Checks, err = s.carChecks(ctx, p, c, mr); err != nil {
			return err
		}
	}
	if p.GetSettings().GetOnlyAllowMergeIfAllStatusChecksPassed() && state == train.MergeRequestOpen {
		passed, failed, err := s.checks.Outcome(ctx, p, mr)
		if err != nil {
			return err
		}
		switch {
		case failed:
			car.MergeRequest.Checks = train.ChecksFailed
		case !passed:
			car.MergeRequest.Checks = train.ChecksPending
		}
	}
	return nil
}

// mergeRequestState is an MR's state as a train sees it. An MR merged
// outside the train counts as merged from the moment the target holds what
// it lands, which its merge writes down before moving the target: so the
// train never takes that push for one it does not know.
func mergeRequestState(ctx context.Context, repo repository.Repository, target string, mr *storagev1.MergeRequest) (train.MergeRequestState, error) {
	switch signalboxv1.MergeRequestState(mr.GetState()) {
	case signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED:
		return train.MergeRequestMerged, nil
	case signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED:
	default:
		return train.MergeRequestClosed, nil
	}
	if landing := mr.GetLandingSha(); landing != "" && target != "" {
		landed := landing == target
		if !landed {
			var err error
			if landed, err = repo.IsAncestor(ctx, landing, target); err != nil {
				return 0, err
			}
		}
		if landed {
			return train.MergeRequestMerged, nil
		}
	}
	return train.MergeRequestOpen, nil
}

// keepsPipelinesOverSkips is GitLab's merge_trains_skip_train_allowed, for
// merge-commit trains only: a fast-forward train's tested commits cannot
// land on a target that moved.
func keepsPipelinesOverSkips(p *storagev1.Project) bool {
	return p.GetSettings().GetMergeTrainsSkipTrainAllowed() &&
		signalboxv1.MergeMethod(p.GetSettings().GetMergeMethod()) == signalboxv1.MergeMethod_MERGE_METHOD_MERGE
}

func trainStatus(s pipeline.Status) train.PipelineStatus {
	switch s {
	case pipeline.Pending:
		return train.PipelinePending
	case pipeline.Running:
		return train.PipelineRunning
	case pipeline.Success, pipeline.Skipped:
		return train.PipelineSuccess
	case pipeline.Failed:
		return train.PipelineFailed
	case pipeline.Canceled:
		return train.PipelineCanceled
	}
	return train.PipelineCreated
}
