package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/delivery"
	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/health"
	"github.com/signalbox/signalbox/server/mergetrain"
	"github.com/signalbox/signalbox/server/metrics"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/store"
)

// readinessChecks are what /-/readiness looks at: the store answers, and
// git runs and the repositories directory (shared storage, with several
// replicas) is there.
func readinessChecks(st store.Store, runner *gitrepo.Runner, reposDir string) []health.Check {
	return []health.Check{
		{Name: "redis_check", Message: "the store does not answer", Run: st.Ping},
		{Name: "git_check", Message: "git or the repositories directory is unavailable", Run: func(ctx context.Context) error {
			info, err := os.Stat(reposDir)
			if err != nil {
				return err
			}
			if !info.IsDir() {
				return fmt.Errorf("%s is not a directory", reposDir)
			}
			return runner.CheckVersion(ctx)
		}},
	}
}

// observeDeliveries reports delivery attempts to m.
func observeDeliveries(m *metrics.Metrics) delivery.ClientOption {
	return delivery.WithAttemptObserver(func(r delivery.Result) { m.DeliveryAttempted(r.Outcome.String(), r.Duration) })
}

// observePipelines reports completed pipelines to m.
func observePipelines(m *metrics.Metrics) func(*storagev1.Pipeline) {
	return func(pl *storagev1.Pipeline) {
		status := strings.ToLower(strings.TrimPrefix(pipeline.Status(pl.GetStatus()).String(), "PIPELINE_STATUS_"))
		m.PipelineFinished(status, pl.GetFinishTime().AsTime().Sub(pl.GetCreateTime().AsTime()))
	}
}

// ops is what the operator endpoints serve.
type ops struct {
	metrics   *metrics.Metrics
	readiness []health.Check
	logger    *slog.Logger
}

// trainStats reads the merge trains for the metrics.
func trainStats(trains *mergetrain.Service) metrics.TrainStats {
	return func(ctx context.Context) (map[string]int, []int, int, map[string]int, error) {
		st, err := trains.Stats(ctx)
		return st.Cars, st.Depths, st.Merged, st.Dropped, err
	}
}
