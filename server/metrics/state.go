package metrics

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// State reports what the store holds, read when Prometheus scrapes: the
// cars on merge trains by state, train depth, merges and drops by reason,
// and the pending status check deadlines. Every replica reads the same
// store, so every replica reports the same values: aggregate them with
// max, not sum (the Grafana dashboard does). A scrape reads every project's
// trains, so the values are kept for CacheFor between reads.
type State struct {
	store    store.Store
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
func NewState(st store.Store, pending PendingDeadlines, logger *slog.Logger) *State {
	return &State{store: st, pending: pending, logger: logger, cacheFor: CacheFor, now: time.Now}
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
	cars := map[string]float64{}
	for _, st := range []train.State{train.StateIdle, train.StateStale, train.StateFresh, train.StateMerging} {
		cars[st.String()] = 0
	}
	depth := map[float64]uint64{}
	var trains, sum uint64
	var merges float64
	// Every reason is reported, at zero until a car is dropped for it, so
	// that a rate over it exists from the start.
	drops := map[string]float64{}
	for r := train.Reason(1); !strings.HasPrefix(r.String(), "Reason("); r++ {
		drops[r.String()] = 0
	}

	ids, err := s.store.Projects().IDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, pid := range ids {
		branches, err := s.store.Trains().Branches(ctx, pid)
		if err != nil {
			return nil, err
		}
		gone := map[int64]*storagev1.Car{}
		for _, b := range branches {
			t, err := s.store.Trains().Load(ctx, store.TrainRef{ProjectID: pid, Branch: b})
			if err != nil {
				return nil, err
			}
			if n := len(t.GetCars()); n > 0 {
				trains++
				sum += uint64(n)
				for _, le := range depthBuckets {
					if float64(n) <= le {
						depth[le]++
					}
				}
			}
			for _, c := range t.GetCars() {
				if st := train.State(c.GetState()); st != train.StateMerged && st != train.StateSkipMerged {
					cars[st.String()]++
				}
			}
			for _, c := range t.GetDropped() {
				gone[c.GetId()] = c
			}
		}
		archived, err := s.store.Trains().Archived(ctx, pid)
		if err != nil {
			return nil, err
		}
		for _, c := range archived {
			gone[c.GetId()] = c
		}
		for _, c := range gone {
			switch {
			case c.GetDrop() != nil:
				drops[train.Reason(c.GetDrop().GetReason()).String()]++
			case train.State(c.GetState()) == train.StateMerged:
				merges++
			}
		}
	}

	var out []prometheus.Metric
	for state, n := range cars {
		out = append(out, prometheus.MustNewConstMetric(carsDesc, prometheus.GaugeValue, n, state))
	}
	out = append(out, prometheus.MustNewConstHistogram(depthDesc, trains, float64(sum), depth),
		prometheus.MustNewConstMetric(mergesDesc, prometheus.CounterValue, merges))
	for reason, n := range drops {
		out = append(out, prometheus.MustNewConstMetric(dropsDesc, prometheus.CounterValue, n, reason))
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
