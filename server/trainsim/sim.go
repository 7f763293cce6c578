// Package trainsim is a deterministic discrete-event simulation of merge
// trains. It drives train.Schedule, the scheduler the server runs, on a
// virtual clock with synthetic CI, so its numbers measure that code and not a
// model of it. It owns the workload and the measurements; it leaves git, the
// store and real CI to the refresher.
//
// The model (peers.md §6):
//   - The queue is saturated: whenever the train holds fewer refreshable cars
//     than its pipeline limit, new MRs join it at once, so every car that
//     joins gets a pipeline straight away. Time to merge is measured from
//     joining the train.
//   - Each MR is bad with probability p, drawn from the seed when it joins.
//     A build fails if it contains a bad MR: its own, or one of a car ahead
//     of it that was still on the train when the build started (the build's
//     base chain); a build of good MRs fails with probability Flake. Builds
//     take T, or T·(1±Jitter) drawn uniformly; there are no pushes from
//     outside, so the target only moves by the train's fast-forwards.
//   - Every pipeline that finishes is one event, followed by one refresh: the
//     scheduler's plan is applied, the train is topped up, and the refresh
//     repeats until the plan is empty. Events at the same instant are
//     handled one at a time in the order their builds started (which, with
//     a constant T, is queue order), as GitLab enqueues one refresh per
//     pipeline status change.
//
// The reading that reproduces the peers.md table: because events at one
// instant are handled one by one, when the first k-1 cars of a round succeed
// and car k fails, each of the k-1 merges first lets a new car in at the back
// of the train, built on top of the bad car k; k's failure then rebuilds
// every car behind it, those new ones included: D + k - 1 builds in such a
// round. Batching all same-instant completions into one refresh instead gives
// the same merges per hour but only D builds per round, and misses the
// table's builds per merge by up to 19% (measured with seed 42).
//
// The simulator checks the invariants of the model as it goes and fails the
// run if the scheduler breaks one: the target only ever fast-forwards to a
// tested commit, no merged commit contains a bad MR, every plan settles,
// and, with Signalbox's attribution, no good MR is dropped for a failure
// that is not its own (GitLab's attribution does that; it is counted).
package trainsim

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/signalbox/signalbox/server/train"
)

// Run simulates c (defaults applied) and reports what it measured. The same
// Config always gives the same Result.
func Run(c Config) (Result, error) {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return Result{}, fmt.Errorf("trainsim: %w", err)
	}
	if c.Policy == PolicyIdeal {
		return ideal(c), nil
	}
	s := &sim{
		cfg:    c,
		rng:    rand.New(rand.NewPCG(c.Seed, 0x7261696e73696d)), // second word: "trainsim"
		target: "t0",
		broken: map[string]bool{"t0": false},
		res:    Result{Config: c},
	}
	if err := s.run(); err != nil {
		return Result{}, fmt.Errorf("trainsim: %s, p=%v, seed %d, at %v: %w", c.Label(), c.P, c.Seed, s.now, err)
	}
	return s.result(), nil
}

// sim is one run in progress.
type sim struct {
	cfg    Config
	rng    *rand.Rand
	now    time.Duration // virtual time since the start
	target string        // head of the target branch
	// cars are the cars on the train, in id order; merged and dropped cars
	// leave, so history does not slow the scheduler down.
	cars []*car
	// broken says whether a commit contains a bad MR.
	broken  map[string]bool
	events  events
	lastID  int64 // of cars and pipelines
	lastSeq int64
	ttm     []time.Duration
	res     Result
	buf     []train.Car // reused snapshot storage
	history train.History
	lastPos int64 // chain positions given
}

type car struct {
	id     int64
	state  train.State
	bad    bool
	joined time.Duration
	pipe   *pipeline
	// The batched strategy's: the car's place in the chain (0: pending),
	// its screen, flake retries, suspect mark, and the last of its
	// pipelines that failed.
	seq      int64
	screen   *pipeline
	failures int
	suspect  bool
	lastFail *pipeline
}

type pipeline struct {
	p      train.Pipeline
	finish time.Duration
	seq    int64
	// flaked: it failed although it tested only good MRs.
	flaked bool
	// car is whose test or screen it is.
	car *car
}

func (s *sim) run() error {
	if err := s.refresh(); err != nil {
		return err
	}
	for len(s.events) > 0 && s.events[0].finish <= s.cfg.Horizon {
		p := heap.Pop(&s.events).(*pipeline)
		if p.p.Status != train.PipelineRunning {
			continue // cancelled
		}
		s.now = p.finish
		p.p.Status = train.PipelineSuccess
		switch {
		case s.broken[p.p.SHA]:
			p.p.Status = train.PipelineFailed
		case s.cfg.Flake > 0 && s.uniform() < s.cfg.Flake:
			p.p.Status, p.flaked = train.PipelineFailed, true
		}
		if p.p.Status == train.PipelineFailed && p.car != nil {
			p.car.lastFail = p
		}
		if err := s.refresh(); err != nil {
			return err
		}
	}
	return nil
}

// refresh lets the train react to what changed, until it settles.
func (s *sim) refresh() error {
	for round := 0; ; round++ {
		s.topUp()
		plan, err := train.Schedule(s.snapshot())
		if err != nil {
			return err
		}
		if len(plan) == 0 {
			return nil
		}
		// Expected: the event's plan, the plan building the cars that
		// joined, then nothing; a batched train also admits, splits and
		// screens in rounds of their own.
		if round == 3 && s.cfg.Strategy == train.StrategyGitLab || round == 8 {
			return fmt.Errorf("the train does not settle: %v", plan)
		}
		for _, a := range plan {
			if err := s.apply(a); err != nil {
				return fmt.Errorf("%s: %w", a, err)
			}
		}
		if n := s.runningPipelines(); n > s.cfg.Depth {
			return fmt.Errorf("%d pipelines run at once, over the budget of %d: %v", n, s.cfg.Depth, plan)
		}
	}
}

// runningPipelines counts the tests and screens that run.
func (s *sim) runningPipelines() int {
	n := 0
	for _, c := range s.cars {
		if c.pipe != nil && c.pipe.p.Status == train.PipelineRunning {
			n++
		}
		if c.screen != nil && c.screen.p.Status == train.PipelineRunning {
			n++
		}
	}
	return n
}

// topUp adds MRs until the train holds as many cars as it may run pipelines.
func (s *sim) topUp() {
	if s.cfg.Strategy == train.StrategyBatched {
		for n := train.Demand(s.snapshot()); n > 0; n-- {
			s.lastID++
			s.cars = append(s.cars, &car{id: s.lastID, state: train.StateIdle, bad: s.uniform() < s.cfg.P, joined: s.now})
		}
		return
	}
	for len(s.cars) < s.cfg.Depth {
		s.lastID++
		s.cars = append(s.cars, &car{id: s.lastID, state: train.StateIdle, bad: s.uniform() < s.cfg.P, joined: s.now})
	}
}

// uniform draws from [0, 1) with 53 random bits, as math/rand's Float64,
// but fixed here so the stream cannot change under us.
func (s *sim) uniform() float64 { return float64(s.rng.Uint64()>>11) / (1 << 53) }

// buildTime is T, or T·(1±Jitter) with jitter.
func (s *sim) buildTime() time.Duration {
	if s.cfg.Jitter == 0 {
		return s.cfg.BuildTime
	}
	return time.Duration(float64(s.cfg.BuildTime) * (1 + s.cfg.Jitter*(2*s.uniform()-1)))
}

func (s *sim) snapshot() train.Snapshot {
	s.buf = s.buf[:0]
	for _, c := range s.cars {
		tc := train.Car{ID: c.id, State: c.state, MergeRequest: train.MergeRequest{Checks: train.ChecksPassed},
			Seq: c.seq, Failures: c.failures, Suspect: c.suspect}
		if c.pipe != nil {
			tc.Pipeline = &c.pipe.p
		}
		if c.screen != nil {
			tc.Screen = &c.screen.p
		}
		s.buf = append(s.buf, tc)
	}
	return train.Snapshot{
		TargetSHA: s.target, Limit: s.cfg.Depth, Attribution: s.cfg.Attribution, Cars: s.buf,
		Strategy: s.cfg.Strategy, FlakeRetries: s.cfg.FlakeRetries, Optimistic: s.cfg.Optimistic, History: s.history,
	}
}

func (s *sim) find(id int64) (*car, error) {
	for _, c := range s.cars {
		if c.id == id {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no car %d on the train", id)
}

func (s *sim) remove(c *car) {
	s.cars = slices.DeleteFunc(s.cars, func(x *car) bool { return x == c })
}

// apply does what a refresher does with one action, with synthetic git and
// CI.
func (s *sim) apply(a train.Action) error {
	c, err := s.find(a.CarID())
	if err != nil {
		return err
	}
	switch a := a.(type) {
	case train.Build:
		if err := s.cancel(c, a.Cancel); err != nil {
			return err
		}
		base := s.target
		if a.On != 0 {
			on, err := s.find(a.On)
			if err != nil {
				return err
			}
			if on.pipe == nil {
				return fmt.Errorf("car %d has no train commit", a.On)
			}
			base = on.pipe.p.SHA
		}
		if c.state, err = c.state.RefreshPipeline(); err != nil {
			return err
		}
		s.lastID++
		s.lastSeq++
		sha := "c" + strconv.FormatInt(s.lastID, 10)
		s.broken[sha] = s.broken[base] || c.bad
		c.pipe = &pipeline{
			p:      train.Pipeline{ID: s.lastID, SHA: sha, BaseCar: a.On, BaseSHA: base, Status: train.PipelineRunning},
			finish: s.now + s.buildTime(),
			seq:    s.lastSeq,
		}
		heap.Push(&s.events, c.pipe)
		s.res.Builds++
	case train.Drop:
		if err := s.cancel(c, a.Cancel); err != nil {
			return err
		}
		failed := c.pipe
		if s.cfg.Strategy == train.StrategyBatched {
			failed = c.lastFail
		}
		if a.Cause.Reason == train.ReasonPipelineFailed {
			s.history = s.history.Record(true)
		}
		if !c.bad {
			switch {
			case a.Cause.Reason == train.ReasonPipelineFailed && failed != nil && failed.flaked:
				s.res.FlakeDropped++
			case s.cfg.Attribution == train.AttributeHold || s.cfg.Strategy == train.StrategyBatched:
				return fmt.Errorf("dropped a good MR (car %d) for a failure not its own: %s", c.id, a.Cause)
			default:
				if s.res.GoodDropped == 0 {
					s.res.FirstGoodDropped = s.now
				}
				s.res.GoodDropped++
			}
		}
		s.remove(c)
		s.res.Dropped++
	case train.Merge:
		if a.Onto {
			return errors.New("a merge onto a moved target: the model has no pushes from outside")
		}
		if s.target != a.From {
			return fmt.Errorf("target is at %s, not %s: not a fast-forward", s.target, a.From)
		}
		if s.broken[a.SHA] {
			return fmt.Errorf("merged %s, which contains a bad MR", a.SHA)
		}
		through := a.Through
		if len(through) == 0 {
			through = []int64{c.id}
		}
		for _, id := range through {
			m, err := s.find(id)
			if err != nil {
				return err
			}
			if m.state, err = m.state.StartMerge(); err != nil {
				return err
			}
			if m.state, err = m.state.FinishMerge(); err != nil {
				return err
			}
			s.remove(m)
			s.res.Merges++
			s.ttm = append(s.ttm, s.now-m.joined)
			if s.cfg.Strategy == train.StrategyBatched {
				s.history = s.history.Record(false)
			}
		}
		s.target = a.SHA
	default:
		return s.applyBatched(c, a)
	}
	return nil
}

// cancel cancels pipeline id of c, when it is not 0.
func (s *sim) cancel(c *car, id int64) error {
	if id == 0 {
		return nil
	}
	p := c.pipe
	if c.screen != nil && c.screen.p.ID == id {
		p = c.screen
	}
	if p == nil || p.p.ID != id || p.p.Status.Complete() {
		return fmt.Errorf("car %d has no running pipeline %d", c.id, id)
	}
	p.p.Status = train.PipelineCanceled
	s.res.Cancelled++
	return nil
}

func (s *sim) result() Result {
	r := s.res
	r.MergesPerHour = float64(r.Merges) / s.cfg.Horizon.Hours()
	if r.Merges > 0 {
		r.BuildsPerMerge = float64(r.Builds) / float64(r.Merges)
	}
	slices.Sort(s.ttm)
	r.P50, r.P95 = percentile(s.ttm, 0.50), percentile(s.ttm, 0.95)
	return r
}

// events is the pending pipeline completions, earliest first, then in the
// order the builds started.
type events []*pipeline

func (e events) Len() int { return len(e) }
func (e events) Less(i, j int) bool {
	if e[i].finish != e[j].finish {
		return e[i].finish < e[j].finish
	}
	return e[i].seq < e[j].seq
}
func (e events) Swap(i, j int) { e[i], e[j] = e[j], e[i] }
func (e *events) Push(x any)   { *e = append(*e, x.(*pipeline)) }
func (e *events) Pop() any {
	old := *e
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*e = old[:len(old)-1]
	return p
}
