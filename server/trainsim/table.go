package trainsim

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Sweep is a table of runs: for every p, the sequential policy, a train of
// each depth, and the ideal bound for each depth, all with one seed.
type Sweep struct {
	// BuildTime, Horizon and Seed are those of every run (see Config).
	BuildTime time.Duration
	Horizon   time.Duration
	Seed      uint64
	// Ps are the probabilities that an MR is bad, one group of rows each.
	Ps []float64
	// Depths are the train depths, also used as C for the ideal rows.
	Depths []int
}

// DefaultSweep is the sanity run of peers.md §6: T = 30 min, 1,000 hours,
// seed 42, p from 2% to 30%, trains of depth 5 and 20.
func DefaultSweep() Sweep {
	return Sweep{
		BuildTime: DefaultBuildTime,
		Horizon:   DefaultHorizon,
		Seed:      42,
		Ps:        []float64{0.02, 0.05, 0.10, 0.20, 0.30},
		Depths:    []int{5, 20},
	}
}

// Configs lists the runs of the sweep in table order.
func (w Sweep) Configs() []Config {
	var cs []Config
	for _, p := range w.Ps {
		base := Config{P: p, BuildTime: w.BuildTime, Horizon: w.Horizon, Seed: w.Seed}
		seq := base
		seq.Policy, seq.Depth = PolicySequential, 1
		cs = append(cs, seq)
		for _, policy := range []Policy{PolicyTrain, PolicyIdeal} {
			for _, d := range w.Depths {
				c := base
				c.Policy, c.Depth = policy, d
				cs = append(cs, c)
			}
		}
	}
	return cs
}

// Run runs every configuration of the sweep.
func (w Sweep) Run() ([]Result, error) {
	if len(w.Ps) == 0 || len(w.Depths) == 0 {
		return nil, errors.New("trainsim: a sweep needs at least one p and one depth")
	}
	for _, d := range w.Depths {
		if d < 1 { // a zero Config.Depth would quietly mean the default
			return nil, fmt.Errorf("trainsim: depth must be in [1, %d], got %d", maxDepth, d)
		}
	}
	return runAll(w.Configs())
}

// runAll runs configurations in order and stops at the first error.
func runAll(cs []Config) ([]Result, error) {
	rs := make([]Result, 0, len(cs))
	for _, c := range cs {
		r, err := Run(c)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// WriteTable prints results as a fixed-width table, one row per run, with a
// header naming what the runs share. The output depends only on rs, so it is
// byte-identical for the same seed.
func WriteTable(out io.Writer, rs []Result) error {
	var b strings.Builder
	if len(rs) > 0 {
		c := rs[0].Config
		fmt.Fprintf(&b, "# Merge-train simulator: T=%s min, %s simulated hours, seed %d.\n",
			strconv.FormatFloat(c.BuildTime.Minutes(), 'f', -1, 64), strconv.FormatFloat(c.Horizon.Hours(), 'f', -1, 64), c.Seed)
		b.WriteString("# Saturated queue, constant build time, no flakes; an MR is bad with probability p.\n")
		b.WriteString("# Time to merge counts from joining the train. Ideal rows are the closed form (1-p)*C*60/T.\n")
	}
	fmt.Fprintf(&b, "%-5s %-16s %9s %13s %8s %8s %8s %8s %8s\n",
		"p", "policy", "merges/h", "builds/merge", "p50 min", "p95 min", "merges", "builds", "dropped")
	for i, r := range rs {
		if i > 0 && r.Config.P != rs[i-1].Config.P {
			b.WriteString("\n")
		}
		counts := func(n int) string {
			if r.Analytic {
				return "-"
			}
			return strconv.Itoa(n)
		}
		perMerge := "-"
		if r.Analytic || r.Merges > 0 {
			perMerge = strconv.FormatFloat(r.BuildsPerMerge, 'f', 2, 64)
		}
		fmt.Fprintf(&b, "%-5s %-16s %9.2f %13s %8s %8s %8s %8s %8s\n",
			strconv.FormatFloat(r.Config.P, 'f', 2, 64), r.Config.Label(), r.MergesPerHour, perMerge,
			minutes(r.P50), minutes(r.P95), counts(r.Merges), counts(r.Builds), counts(r.Dropped))
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// minutes prints d in minutes with one decimal.
func minutes(d time.Duration) string {
	return strconv.FormatFloat(d.Minutes(), 'f', 1, 64)
}
