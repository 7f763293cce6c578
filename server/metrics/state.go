package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// State reports what the store holds, read when Prometheus scrapes: the
// cars on merge trains by state, train depth, merges and drops by reason,
// and the pending status check deadlines. Every replica reads the same
// store, so every replica reports the same values: aggregate them with
// max, not sum (the Grafana dashboard does). A scrape reads every project's
// trains, so the values are kept for CacheFor between reads.
type State struct {
	trains   TrainStats
	pending  PendingDeadlines
	logger   *slog.Logger
	cacheFor time.Duration
	now      func() time.Time

	mu      sync.Mutex
	read    time.Time
	metrics []prometheus.Metric
	errors  int
}

// PendingDeadlines counts the pending status check deadlines and returns
// the earliest (see redisstore.Store.PendingDeadlines).
type PendingDeadlines func(ctx context.Context) (int64, time.Time, error)

// TrainStats reads every merge train (see mergetrain.Service.Stats): cars
// on trains by state, the depth of each train that has cars, cars merged,
// and cars dropped by reason, with every state and reason present.
type TrainStats func(ctx context.Context) (cars map[string]int, depths []int, merged int, dropped map[string]int, err error)

// CacheFor is how long State reuses what it read.
const CacheFor = 10 * time.Second

var (
	carsDesc = prometheus.NewDesc(namespace+"_merge_train_cars", "Cars on merge trains, by state (idle, stale, fresh, merging).",
		[]string{"state"}, nil)
	depthDesc = prometheus.NewDesc(namespace+"_merge_train_depth", "Cars per merge train that has any.",
		nil, nil)
	mergesDesc = prometheus.NewDesc(namespace+"_merge_train_merges_total", "Cars the merge trains merged (kept in the car archive).",
		nil, nil)
	dropsDesc = prometheus.NewDesc(namespace+"_merge_train_drops_total", "Cars dropped from merge trains, by reason.",
		[]string{"reason"}, nil)
	pendingDesc = prometheus.NewDesc(namespace+"_status_check_pending_deadlines", "Entries of the pending status check deadline index (pending responses, and answered ones until their deadline passes).",
		nil, nil)
	lagDesc = prometheus.NewDesc(namespace+"_status_check_expiry_lag_seconds", "How long the earliest pending deadline has passed without the sweeper handling it: how late expiry is now.",
		nil, nil)
	stateErrorsDesc = prometheus.NewDesc(namespace+"_state_read_errors_total", "Scrapes whose read of the store's state failed (the values are then missing).",
		nil, nil)
)

// depthBuckets are the upper bounds of train depth.
var depthBuckets = []float64{1, 2, 3, 5, 10, 20, 50, 100}

// NewState returns the collector; register it on the server's registry.
func NewState(trains TrainStats, pending PendingDeadlines, logger *slog.Logger) *State {
	return &State{trains: trains, pending: pending, logger: logger, cacheFor: CacheFor, now: time.Now}
}

// Describe sends every description.
func (s *State) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{carsDesc, depthDesc, mergesDesc, dropsDesc, pendingDesc, lagDesc, stateErrorsDesc} {
		ch <- d
	}
}

// Collect reads the store (or reuses the last read) and sends the values.
func (s *State) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.metrics == nil || s.now().Sub(s.read) >= s.cacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		metrics, err := s.collect(ctx)
		if err != nil {
			s.logger.Warn("read state for metrics", "error", err)
			s.errors++
			metrics = nil
		}
		s.metrics, s.read = metrics, s.now()
	}
	for _, m := range s.metrics {
		ch <- m
	}
	ch <- prometheus.MustNewConstMetric(stateErrorsDesc, prometheus.CounterValue, float64(s.errors))
}

func (s *State) collect(ctx context.Context) ([]prometheus.Metric, error) {
	cars, depths, merged, dropped, err := s.trains(ctx)
	if err != nil {
		return nil, err
	}
	depth := map[float64]uint64{}
	var sum uint64
	for _, n := range depths {
		sum += uint64(n)
		for _, le := range depthBuckets {
			if float64(n) <= le {
				depth[le]++
			}
		}
	}

	var out []prometheus.Metric
	for state, n := range cars {
		out = append(out, prometheus.MustNewConstMetric(carsDesc, prometheus.GaugeValue, float64(n), state))
	}
	out = append(out, prometheus.MustNewConstHistogram(depthDesc, uint64(len(depths)), float64(sum), depth),
		prometheus.MustNewConstMetric(mergesDesc, prometheus.CounterValue, float64(merged)))
	for reason, n := range dropped {
		out = append(out, prometheus.MustNewConstMetric(dropsDesc, prometheus.CounterValue, float64(n), reason))
	}
	if s.pending != nil {
		n, earliest, err := s.pending(ctx)
		if err != nil {
			return nil, err
		}
		lag := 0.0
		if !earliest.IsZero() && s.now().After(earliest) {
			lag = s.now().Sub(earliest).Seconds()
		}
		out = append(out, prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n)),
			prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, lag))
	}
	return out, nil
}
