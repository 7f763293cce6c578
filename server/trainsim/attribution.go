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

// AttributionSweep compares how trains blame failed cars (train.Attribution)
// where it matters: builds that finish out of order (Jitter) and flaky
// builds (Flake). For every p, jitter and flake it runs a train of Depth
// with GitLab's attribution and with Signalbox's, on the same seed.
type AttributionSweep struct {
	BuildTime time.Duration
	Horizon   time.Duration
	Seed      uint64
	Depth     int
	Ps        []float64
	Jitters   []float64
	Flakes    []float64
}

// DefaultAttributionSweep is the table docs/performance.md shows: T = 30
// min, 1,000 hours, seed 42, a train of 20, p from 2% to 30%, builds of
// constant length or ±20%, no flakes or 2%.
func DefaultAttributionSweep() AttributionSweep {
	return AttributionSweep{
		BuildTime: DefaultBuildTime,
		Horizon:   DefaultHorizon,
		Seed:      42,
		Depth:     DefaultDepth,
		Ps:        []float64{0.02, 0.10, 0.30},
		Jitters:   []float64{0, 0.2},
		Flakes:    []float64{0, 0.02},
	}
}

// Configs lists the runs of the sweep in table order.
func (w AttributionSweep) Configs() []Config {
	var cs []Config
	for _, p := range w.Ps {
		for _, j := range w.Jitters {
			for _, f := range w.Flakes {
				for _, a := range []train.Attribution{train.AttributeGitLab, train.AttributeHold} {
					cs = append(cs, Config{
						Policy: PolicyTrain, Depth: w.Depth, P: p, BuildTime: w.BuildTime, Horizon: w.Horizon,
						Seed: w.Seed, Jitter: j, Flake: f, Attribution: a,
					})
				}
			}
		}
	}
	return cs
}

// Run runs every configuration of the sweep.
func (w AttributionSweep) Run() ([]Result, error) {
	if len(w.Ps) == 0 || len(w.Jitters) == 0 || len(w.Flakes) == 0 || w.Depth < 1 {
		return nil, errors.New("trainsim: an attribution sweep needs a depth and at least one p, jitter and flake rate")
	}
	return runAll(w.Configs())
}

// WriteAttributionTable prints an attribution sweep: for each setting, the
// two attributions side by side, with the good merge requests each dropped.
func WriteAttributionTable(out io.Writer, rs []Result) error {
	var b strings.Builder
	if len(rs) > 0 {
		c := rs[0].Config
		fmt.Fprintf(&b, "# Failure attribution: train D=%d, T=%s min (±jitter), %s simulated hours, seed %d.\n",
			c.Depth, strconv.FormatFloat(c.BuildTime.Minutes(), 'f', -1, 64), strconv.FormatFloat(c.Horizon.Hours(), 'f', -1, 64), c.Seed)
		b.WriteString("# innocent: good MRs dropped for a bad MR's failure; flaked: good MRs dropped for their own flaky build.\n")
		b.WriteString("# first: simulated hours until the first innocent drop.\n")
	}
	fmt.Fprintf(&b, "%-5s %-6s %-5s %-11s %9s %13s %9s %8s %8s\n",
		"p", "jitter", "flake", "attribution", "merges/h", "builds/merge", "innocent", "flaked", "first h")
	for i, r := range rs {
		c := r.Config
		if i > 0 && (c.P != rs[i-1].Config.P || c.Jitter != rs[i-1].Config.Jitter || c.Flake != rs[i-1].Config.Flake) {
			b.WriteString("\n")
		}
		first := "-"
		if r.GoodDropped > 0 {
			first = strconv.FormatFloat(r.FirstGoodDropped.Hours(), 'f', 1, 64)
		}
		fmt.Fprintf(&b, "%-5s %-6s %-5s %-11s %9.2f %13.2f %9d %8d %8s\n",
			strconv.FormatFloat(c.P, 'f', 2, 64), "±"+strconv.FormatFloat(100*c.Jitter, 'f', 0, 64)+"%",
			strconv.FormatFloat(100*c.Flake, 'f', 0, 64)+"%", c.Attribution, r.MergesPerHour, r.BuildsPerMerge,
			r.GoodDropped, r.FlakeDropped, first)
	}
	_, err := io.WriteString(out, b.String())
	return err
}
