package trainsim_test

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/train"
	"github.com/signalbox/signalbox/server/trainsim"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from this run")

// TestDefaultSweep runs the peers.md §6 sweep once and checks it two ways:
// byte for byte against the golden table, and within 5% of the numbers
// peers.md reports.
func TestDefaultSweep(t *testing.T) {
	t.Parallel()
	rs, err := trainsim.DefaultSweep().Run()
	require.NoError(t, err)

	t.Run("golden", func(t *testing.T) {
		var got bytes.Buffer
		require.NoError(t, trainsim.WriteTable(&got, rs))
		requireGolden(t, "seed42.golden", got.String())
	})

	t.Run("peers", func(t *testing.T) {
		// The sanity-run table of peers.md §6 (T = 30 min, 1,000 simulated
		// hours, seed 42, saturated queue, constant durations, no flakes):
		// merges per hour, and CI builds per merged change in brackets there.
		// The bors column is a policy we do not simulate.
		type cell struct{ merges, builds float64 }
		peers := []struct {
			p               float64
			serial, d5, d20 cell
			ideal20, ideal5 float64
		}{
			{0.02, cell{2.0, 1.02}, cell{9.5, 1.09}, cell{33.0, 1.40}, 39.2, 9.8},
			{0.05, cell{1.9, 1.04}, cell{8.7, 1.24}, cell{24.9, 2.03}, 38.0, 9.5},
			{0.10, cell{1.8, 1.10}, cell{7.4, 1.54}, cell{16.0, 3.20}, 36.0, 9.0},
			{0.20, cell{1.6, 1.23}, cell{5.4, 2.26}, cell{7.8, 6.10}, 32.0, 8.0},
			{0.30, cell{1.4, 1.41}, cell{3.9, 3.10}, cell{4.8, 9.42}, 28.0, 7.0},
		}
		got := map[float64]map[string]trainsim.Result{}
		for _, r := range rs {
			if got[r.Config.P] == nil {
				got[r.Config.P] = map[string]trainsim.Result{}
			}
			got[r.Config.P][r.Config.Label()] = r
		}
		within := func(what string, want, have float64) {
			t.Helper()
			require.LessOrEqual(t, math.Abs(have-want)/want, 0.05, "%s: peers.md has %v, we have %.3f", what, want, have)
		}
		for _, row := range peers {
			g := got[row.p]
			require.Len(t, g, 5, "p=%v", row.p)
			for label, want := range map[string]cell{"sequential D=1": row.serial, "train D=5": row.d5, "train D=20": row.d20} {
				within(label+" merges/h", want.merges, g[label].MergesPerHour)
				within(label+" builds/merge", want.builds, g[label].BuildsPerMerge)
			}
			within("ideal C=20", row.ideal20, g["ideal C=20"].MergesPerHour)
			within("ideal C=5", row.ideal5, g["ideal C=5"].MergesPerHour)
		}
	})
}

// requireGolden compares a table with testdata/name, which -update rewrites.
func requireGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run with -update to accept the new table")
}

func TestSameSeedSameTable(t *testing.T) {
	t.Parallel()
	table := func(seed uint64) string {
		w := trainsim.DefaultSweep()
		w.Horizon, w.Seed = 100*time.Hour, seed
		rs, err := w.Run()
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, trainsim.WriteTable(&b, rs))
		return b.String()
	}
	first := table(7)
	require.Equal(t, first, table(7), "the same seed must print the same bytes")
	other := table(8)
	require.NotEqual(t, first, other, "another seed must draw other MRs")
	require.Contains(t, other, "seed 8.")
}

func TestRunCountsExactlyWithoutFailures(t *testing.T) {
	t.Parallel()
	// With p = 0 every build merges, so the counts follow from the clock:
	// rounds of T, each merging the whole window.
	tests := []struct {
		name                 string
		cfg                  trainsim.Config
		merges, builds, drop int
	}{
		// 20 rounds of 20 cars; the 20 cars built at the 10h mark never finish.
		{"train", trainsim.Config{Horizon: 10 * time.Hour}, 400, 420, 0},
		{"train of 3", trainsim.Config{Depth: 3, Horizon: 10 * time.Hour}, 60, 63, 0},
		{"sequential", trainsim.Config{Policy: trainsim.PolicySequential, Horizon: 10 * time.Hour}, 20, 21, 0},
		{"T=45m", trainsim.Config{Depth: 2, BuildTime: 45 * time.Minute, Horizon: 9 * time.Hour}, 24, 26, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := trainsim.Run(tt.cfg)
			require.NoError(t, err)
			require.Equal(t, tt.merges, r.Merges)
			require.Equal(t, tt.builds, r.Builds)
			require.Equal(t, tt.drop, r.Dropped)
			require.Zero(t, r.Cancelled)
			build := r.Config.BuildTime
			require.Equal(t, build, r.P50)
			require.Equal(t, build, r.P95)
			require.InDelta(t, float64(tt.merges)/r.Config.Horizon.Hours(), r.MergesPerHour, 1e-9)
		})
	}
}

func TestRunDropsOnlyBadMRs(t *testing.T) {
	t.Parallel()
	// Run fails if a good MR is dropped or a bad one merges; here we also
	// check the books balance: a build is either still running at the end,
	// cancelled, merged, or failed (one failure per dropped MR).
	r, err := trainsim.Run(trainsim.Config{Depth: 4, P: 0.25, Horizon: 200 * time.Hour, Seed: 3})
	require.NoError(t, err)
	require.Positive(t, r.Dropped)
	require.Positive(t, r.Cancelled)
	require.Equal(t, r.Builds-4, r.Merges+r.Dropped+r.Cancelled, "every finished build merged, failed or was cancelled")
	require.GreaterOrEqual(t, r.P95, r.P50)
}

func TestIdealIsClosedForm(t *testing.T) {
	t.Parallel()
	r, err := trainsim.Run(trainsim.Config{Policy: trainsim.PolicyIdeal, Depth: 20, P: 0.1})
	require.NoError(t, err)
	require.True(t, r.Analytic)
	require.InDelta(t, 36.0, r.MergesPerHour, 1e-9) // 0.9 * 20 * 60 / 30
	require.InDelta(t, 1/0.9, r.BuildsPerMerge, 1e-9)
	require.Equal(t, 30*time.Minute, r.P50)
	require.Zero(t, r.Merges)
}

func TestConfig(t *testing.T) {
	t.Parallel()
	got := trainsim.Config{}.WithDefaults()
	require.Equal(t, trainsim.Config{Policy: trainsim.PolicyTrain, Depth: 20, BuildTime: 30 * time.Minute, Horizon: 1000 * time.Hour}, got)
	require.Equal(t, 1, trainsim.Config{Policy: trainsim.PolicySequential}.WithDefaults().Depth)
	require.Equal(t, "sequential D=1", trainsim.Config{Policy: trainsim.PolicySequential}.WithDefaults().Label())
	require.Equal(t, "ideal C=5", trainsim.Config{Policy: trainsim.PolicyIdeal, Depth: 5}.Label())

	tests := []struct {
		name string
		cfg  trainsim.Config
		msg  string
	}{
		{"p of one", trainsim.Config{P: 1}, "p must be in [0, 1), got 1"},
		{"negative p", trainsim.Config{P: -0.1}, "p must be in [0, 1)"},
		{"NaN p", trainsim.Config{P: math.NaN()}, "p must be in [0, 1), got NaN"},
		{"negative depth", trainsim.Config{Depth: -1}, "depth must be in [1, 1000], got -1"},
		{"huge depth", trainsim.Config{Depth: 5000}, "depth must be in [1, 1000]"},
		{"sequential depth", trainsim.Config{Policy: trainsim.PolicySequential, Depth: 2}, "sequential means depth 1, got 2"},
		{"unknown policy", trainsim.Config{Policy: 9}, "unknown policy 9"},
		{"negative build time", trainsim.Config{BuildTime: -time.Minute}, "build time must be positive"},
		{"negative horizon", trainsim.Config{Horizon: -time.Hour}, "horizon must be positive"},
		{"too long", trainsim.Config{BuildTime: time.Second, Horizon: 100000 * time.Hour}, "more than 10000000 build times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.ErrorContains(t, tt.cfg.WithDefaults().Validate(), tt.msg)
			_, err := trainsim.Run(tt.cfg)
			require.ErrorContains(t, err, tt.msg, "Run validates too")
		})
	}
	_, err := trainsim.Sweep{}.Run()
	require.ErrorContains(t, err, "at least one p and one depth")
}

// TestAttributionSweep is issue's proof table: with builds finishing out of
// order, GitLab's attribution drops good merge requests for a bad one's
// failure, and Signalbox's never does (Run fails the run if it did), at
// every setting.
func TestAttributionSweep(t *testing.T) {
	t.Parallel()
	rs, err := trainsim.DefaultAttributionSweep().Run()
	require.NoError(t, err)
	var got bytes.Buffer
	require.NoError(t, trainsim.WriteAttributionTable(&got, rs))
	requireGolden(t, "attribution_seed42.golden", got.String())
	for _, r := range rs {
		c := r.Config
		if c.Attribution == train.AttributeHold {
			require.Zero(t, r.GoodDropped, "p=%v jitter=%v flake=%v", c.P, c.Jitter, c.Flake)
		}
		if c.Attribution == train.AttributeGitLab && c.Jitter > 0 && c.P >= 0.10 {
			require.Positive(t, r.GoodDropped, "GitLab's attribution ejects innocent cars when builds finish out of order: p=%v", c.P)
		}
	}
}

var seeds = flag.Int("trainsim.seeds", 0, "also run the strategy sweep with this many more seeds (43, 44, ...), at 200 hours each, and check the targets")

// TestStrategySweep is the proof table: in every cell the batched
// strategy merges at least as much per hour as the GitLab-style train, with
// at most as many builds per merge, drops no good merge request for
// another's failure (Run fails the run if it did), and at p = 30% merges at
// least twice as much.
func TestStrategySweep(t *testing.T) {
	t.Parallel()
	rs, err := trainsim.DefaultStrategySweep().Run()
	require.NoError(t, err)
	var got bytes.Buffer
	require.NoError(t, trainsim.WriteStrategyTable(&got, rs))
	requireGolden(t, "strategies_seed42.golden", got.String())
	requireStrategyTargets(t, rs)

	for i := range *seeds {
		w := trainsim.DefaultStrategySweep()
		w.Seed, w.Horizon = uint64(43+i), 200*time.Hour
		t.Logf("seed %d", w.Seed)
		rs, err := w.Run()
		require.NoError(t, err, "seed %d", w.Seed)
		requireStrategyTargets(t, rs)
	}
}

func requireStrategyTargets(t *testing.T, rs []trainsim.Result) {
	t.Helper()
	require.Zero(t, len(rs)%2)
	for i := 0; i < len(rs); i += 2 {
		g, b := rs[i], rs[i+1]
		c := b.Config
		cell := fmt.Sprintf("seed %d T=%v p=%v flake=%v", c.Seed, c.BuildTime, c.P, c.Flake)
		require.Equal(t, train.StrategyGitLab, g.Config.Strategy, cell)
		require.Equal(t, train.StrategyBatched, c.Strategy, cell)
		require.GreaterOrEqual(t, b.MergesPerHour, g.MergesPerHour, "merges/h: %s", cell)
		require.LessOrEqual(t, b.BuildsPerMerge, g.BuildsPerMerge, "builds/merge: %s", cell)
		require.Zero(t, b.GoodDropped, cell)
		if c.P >= 0.30 {
			require.GreaterOrEqual(t, b.MergesPerHour, 2*g.MergesPerHour, "2x at p=30%%: %s", cell)
		}
	}
}
