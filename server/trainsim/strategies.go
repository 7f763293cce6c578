package trainsim

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/signalbox/signalbox/server/train"
)

// StrategySweep compares the train's scheduling strategies (train.Strategy)
// under identical seeds: for every build time, p and flake rate, a
// GitLab-style train and a batched one, each with a CI budget of Budget
// concurrent pipelines, builds of T·(1±Jitter).
type StrategySweep struct {
	BuildTimes []time.Duration
	Horizon    time.Duration
	Seed       uint64
	Budget     int
	Jitter     float64
	Ps         []float64
	Flakes     []float64
	// FlakeRetries and Optimistic are the batched train's settings.
	FlakeRetries int
	Optimistic   bool
}

// DefaultStrategySweep is the table docs/performance.md shows: T of 15 and
// 30 min, p from 2% to 30%, flakes of 0, 2 and 5%, builds ±20%, a budget
// of 20 pipelines, 1,000 hours, seed 42; the batched train retries a
// failed car once and lands optimistically.
func DefaultStrategySweep() StrategySweep {
	return StrategySweep{
		BuildTimes:   []time.Duration{15 * time.Minute, 30 * time.Minute},
		Horizon:      DefaultHorizon,
		Seed:         42,
		Budget:       DefaultDepth,
		Jitter:       0.2,
		Ps:           []float64{0.02, 0.05, 0.10, 0.20, 0.30},
		Flakes:       []float64{0, 0.02, 0.05},
		FlakeRetries: 1,
		Optimistic:   true,
	}
}

// Configs lists the runs of the sweep in table order: for each cell the
// GitLab-style run, then the batched one.
func (w StrategySweep) Configs() []Config {
	var cs []Config
	for _, t := range w.BuildTimes {
		for _, p := range w.Ps {
			for _, f := range w.Flakes {
				base := Config{Policy: PolicyTrain, Depth: w.Budget, P: p, BuildTime: t, Horizon: w.Horizon, Seed: w.Seed, Jitter: w.Jitter, Flake: f}
				batched := base
				batched.Strategy, batched.FlakeRetries, batched.Optimistic = train.StrategyBatched, w.FlakeRetries, w.Optimistic
				cs = append(cs, base, batched)
			}
		}
	}
	return cs
}

// Run runs every configuration of the sweep.
func (w StrategySweep) Run() ([]Result, error) {
	if len(w.BuildTimes) == 0 || len(w.Ps) == 0 || len(w.Flakes) == 0 || w.Budget < 1 {
		return nil, errors.New("trainsim: a strategy sweep needs a budget and at least one build time, p and flake rate")
	}
	return runAll(w.Configs())
}

// WriteStrategyTable prints a strategy sweep: for each cell, the two
// strategies on consecutive rows, and the batched train's ratios to the
// GitLab-style one.
func WriteStrategyTable(out io.Writer, rs []Result) error {
	var b strings.Builder
	if len(rs) > 0 {
		c := rs[0].Config
		fmt.Fprintf(&b, "# Strategies: CI budget %d pipelines, builds T·(1±%s%%), %s simulated hours, seed %d.\n",
			c.Depth, strconv.FormatFloat(100*c.Jitter, 'f', 0, 64), strconv.FormatFloat(c.Horizon.Hours(), 'f', -1, 64), c.Seed)
		b.WriteString("# good: good MRs dropped for a failure not their own; flaked: good MRs dropped after their own builds flaked.\n")
		b.WriteString("# x merges, x builds: batched over gitlab, merges/h and builds/merge.\n")
	}
	fmt.Fprintf(&b, "%-4s %-5s %-5s %-8s %9s %13s %8s %8s %5s %7s %9s %9s\n",
		"T", "p", "flake", "strategy", "merges/h", "builds/merge", "p50 min", "p95 min", "good", "flaked", "x merges", "x builds")
	for i, r := range rs {
		c := r.Config
		if i > 0 && c.Strategy == train.StrategyGitLab {
			b.WriteString("\n")
		}
		xm, xb := "", ""
		if c.Strategy == train.StrategyBatched && i > 0 {
			g := rs[i-1]
			xm = ratio(r.MergesPerHour, g.MergesPerHour)
			xb = ratio(r.BuildsPerMerge, g.BuildsPerMerge)
		}
		row := fmt.Sprintf("%-4s %-5s %-5s %-8s %9.2f %13.2f %8s %8s %5d %7d %9s %9s",
			strconv.FormatFloat(c.BuildTime.Minutes(), 'f', -1, 64), strconv.FormatFloat(c.P, 'f', 2, 64),
			strconv.FormatFloat(100*c.Flake, 'f', 0, 64)+"%", c.Strategy, r.MergesPerHour, r.BuildsPerMerge,
			minutes(r.P50), minutes(r.P95), r.GoodDropped, r.FlakeDropped, xm, xb)
		b.WriteString(strings.TrimRight(row, " ") + "\n")
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// ratio prints a/b with two decimals, or "-" when b is 0.
func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "x"
}
