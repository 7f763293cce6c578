package trainsim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/signalbox/signalbox/server/train"
)

// Policy is how merge requests get from the queue to the target branch.
type Policy int

// The policies the simulator compares.
const (
	// PolicyTrain is a GitLab-style merge train, driven by train.Schedule,
	// with Depth as max_pipelines_per_merge_train.
	PolicyTrain Policy = iota + 1
	// PolicySequential is the same train with a limit of one pipeline: one
	// MR is tested, then merged or dropped, then the next.
	PolicySequential
	// PolicyIdeal is the closed-form bound (1-p)·C·60/T merges per hour of an
	// oracle that keeps C = Depth runners busy and never wastes a build.
	PolicyIdeal
)

// String names the policy.
func (p Policy) String() string {
	switch p {
	case PolicyTrain:
		return "train"
	case PolicySequential:
		return "sequential"
	case PolicyIdeal:
		return "ideal"
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}

// Defaults of Config, which are also those of the peers.md §6 sanity run.
const (
	DefaultDepth     = train.DefaultLimit
	DefaultBuildTime = 30 * time.Minute
	DefaultHorizon   = 1000 * time.Hour
)

// maxDepth and maxBuilds keep a run bounded: the simulator is meant to be
// quick, and a typo in a flag should not run for an hour.
const (
	maxDepth  = 1000
	maxRounds = 10_000_000 // Horizon / BuildTime
)

// Config is one simulation run. The zero value of each field means its
// default; WithDefaults fills them in and Validate checks the result.
type Config struct {
	// Policy defaults to PolicyTrain.
	Policy Policy
	// Depth is the train's pipeline limit, or C for PolicyIdeal; default 20.
	// PolicySequential takes 1 (or 0, meaning 1).
	Depth int
	// P is the probability that an MR is bad, in [0, 1).
	P float64
	// BuildTime is T, the constant duration of every CI build; default 30m.
	BuildTime time.Duration
	// Horizon is how much virtual time to simulate; default 1000h.
	Horizon time.Duration
	// Seed makes the run reproducible; every random draw comes from it.
	Seed uint64
	// Jitter spreads build times uniformly over T·(1±Jitter), in [0, 1):
	// with it, builds finish out of order and a car can fail before the
	// car ahead of it that broke it. Zero keeps every build exactly T.
	Jitter float64
	// Flake is the probability that a build fails although everything in it
	// is good (a flaky test), in [0, 1).
	Flake float64
	// Attribution is how the train blames a failed car (train.Attribution):
	// Signalbox's hold, the default, or GitLab's.
	Attribution train.Attribution
	// Strategy is the train's scheduling strategy (train.Strategy); with
	// StrategyBatched, FlakeRetries and Optimistic are its settings and
	// Depth is the CI budget, the most pipelines running at once.
	Strategy     train.Strategy
	FlakeRetries int
	Optimistic   bool
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Policy == 0 {
		c.Policy = PolicyTrain
	}
	if c.Depth == 0 {
		c.Depth = DefaultDepth
		if c.Policy == PolicySequential {
			c.Depth = 1
		}
	}
	if c.BuildTime == 0 {
		c.BuildTime = DefaultBuildTime
	}
	if c.Horizon == 0 {
		c.Horizon = DefaultHorizon
	}
	return c
}

// Validate reports what is wrong with c, once defaults are applied.
func (c Config) Validate() error {
	var errs []error
	if c.Policy < PolicyTrain || c.Policy > PolicyIdeal {
		errs = append(errs, fmt.Errorf("unknown policy %d", c.Policy))
	}
	if c.Depth < 1 || c.Depth > maxDepth {
		errs = append(errs, fmt.Errorf("depth must be in [1, %d], got %d", maxDepth, c.Depth))
	}
	if c.Policy == PolicySequential && c.Depth != 1 {
		errs = append(errs, fmt.Errorf("sequential means depth 1, got %d", c.Depth))
	}
	if !(c.P >= 0 && c.P < 1) { // also refuses NaN
		errs = append(errs, fmt.Errorf("p must be in [0, 1), got %v", c.P))
	}
	if c.BuildTime <= 0 {
		errs = append(errs, fmt.Errorf("build time must be positive, got %v", c.BuildTime))
	}
	if c.Horizon <= 0 {
		errs = append(errs, fmt.Errorf("horizon must be positive, got %v", c.Horizon))
	}
	if !(c.Jitter >= 0 && c.Jitter < 1) {
		errs = append(errs, fmt.Errorf("jitter must be in [0, 1), got %v", c.Jitter))
	}
	if !(c.Flake >= 0 && c.Flake < 1) {
		errs = append(errs, fmt.Errorf("flake must be in [0, 1), got %v", c.Flake))
	}
	if c.Attribution != train.AttributeHold && c.Attribution != train.AttributeGitLab {
		errs = append(errs, fmt.Errorf("unknown attribution %d", c.Attribution))
	}
	if c.Strategy != train.StrategyGitLab && c.Strategy != train.StrategyBatched {
		errs = append(errs, fmt.Errorf("unknown strategy %d", c.Strategy))
	}
	if c.FlakeRetries < 0 || c.FlakeRetries > 1 {
		errs = append(errs, fmt.Errorf("flake retries must be 0 or 1, got %d", c.FlakeRetries))
	}
	if c.BuildTime > 0 && c.Horizon/c.BuildTime > maxRounds {
		errs = append(errs, fmt.Errorf("horizon %v is more than %d build times", c.Horizon, maxRounds))
	}
	return errors.Join(errs...)
}

// Label is the policy and its depth as the table prints it: "sequential
// D=1", "train D=20", "ideal C=20".
func (c Config) Label() string {
	if c.Policy == PolicyIdeal {
		return "ideal C=" + strconv.Itoa(c.Depth)
	}
	return c.Policy.String() + " D=" + strconv.Itoa(c.Depth)
}

// Result is what a run measured.
type Result struct {
	// Config is the run's configuration, defaults applied.
	Config Config
	// Merges counts merged MRs; Dropped, MRs dropped from the train:
	// bad ones, and good ones in the two counts below.
	Merges, Dropped int
	// GoodDropped counts good MRs dropped for a failure that came from a
	// bad MR in their build (someone else's); FlakeDropped, good MRs dropped
	// because their own build flaked.
	GoodDropped, FlakeDropped int
	// FirstGoodDropped is when the first good MR was dropped for someone
	// else's failure; zero when none was.
	FirstGoodDropped time.Duration
	// Builds counts pipelines started, cancelled ones included; Cancelled,
	// those cancelled before they finished.
	Builds, Cancelled int
	// MergesPerHour is Merges over the horizon.
	MergesPerHour float64
	// BuildsPerMerge is Builds over Merges (0 when nothing merged).
	BuildsPerMerge float64
	// P50 and P95 are percentiles (nearest rank) of the time from joining
	// the train to merging, over merged MRs.
	P50, P95 time.Duration
	// Analytic marks a closed-form result (PolicyIdeal): no counts.
	Analytic bool
}

// ideal is the closed form of PolicyIdeal: C runners always busy, each bad
// MR costs exactly one build, every good one merges one build time after it
// is picked.
func ideal(c Config) Result {
	q := 1 - c.P
	perHour := float64(time.Hour) / float64(c.BuildTime)
	return Result{
		Config:         c,
		MergesPerHour:  q * float64(c.Depth) * perHour,
		BuildsPerMerge: 1 / q,
		P50:            c.BuildTime,
		P95:            c.BuildTime,
		Analytic:       true,
	}
}

// percentile returns the nearest-rank q-quantile of sorted d.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
