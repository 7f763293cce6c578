package mergetrain

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// strategyOf fills in the train's strategy, its settings and its history.
func strategyOf(p *storagev1.Project, t *storagev1.Train, snap *train.Snapshot) {
	st := project.MergeTrainStrategyFor(p, t.GetTargetBranch())
	snap.Strategy = train.Strategy(st.GetStrategy())
	snap.FlakeRetries = int(st.GetFlakeRetries())
	snap.Optimistic = st.GetOptimistic()
	snap.History = train.History{Failed: t.GetOutcomes()}
}

// batchedCar fills in what the batched strategy keeps on a car.
func batchedCar(c *storagev1.Car, car *train.Car) {
	car.Seq, car.Failures, car.Suspect = c.GetSeq(), int(c.GetFailures()), c.GetSuspect()
	if c.GetScreenSha() != "" {
		car.Screen = &train.Pipeline{ID: c.GetScreenPipelineId(), SHA: c.GetScreenSha(), BaseSHA: c.GetScreenBaseSha()}
	}
}

// screenStatus reads the status of a car's screen pipeline.
func (s *Service) screenStatus(ctx context.Context, p *storagev1.Project, car *train.Car) error {
	if car.Screen == nil || car.Screen.ID == 0 {
		return nil
	}
	pl, err := s.store.Pipelines().Get(ctx, p.GetId(), car.Screen.ID)
	switch {
	case err == nil:
		car.Screen.Status = trainStatus(pipeline.Status(pl.GetStatus()))
	case errors.Is(err, store.ErrNotFound):
		car.Screen.Status = train.PipelineCanceled // gone: screen again
	default:
		return err
	}
	return nil
}

// recordOutcomes adds outcomes to the train's history, keeping the last
// train.HistorySize.
func recordOutcomes(t *storagev1.Train, failed bool, n int) {
	h := train.History{Failed: t.GetOutcomes()}
	for range n {
		h = h.Record(failed)
	}
	t.Outcomes = h.Failed
}

func screenRef(iid int64) string { return "refs/merge-requests/" + itoa(iid) + "/screen" }

// StrategyName is the name the settings show for a stored strategy
// ("gitlab", "batched"); the doors name strategies through it, so that
// only the engine knows the scheduler.
func StrategyName(stored int32) string { return train.Strategy(stored).String() }

// ParseStrategyName returns the stored value of the strategy named name.
func ParseStrategyName(name string) (int32, bool) {
	s, ok := train.ParseStrategy(name)
	return int32(s), ok
}
