package train_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/train"
)

// applier applies plans the way the Action docs tell a refresher to,
// failing t on anything a refresher could not do (a transition the state
// machine refuses, a base that does not exist, a cancel of the wrong
// pipeline, a running pipeline left behind). New pipelines run; new commits
// are b1, b2, ...
type applier struct {
	t       *testing.T
	commits int
}

func (ap *applier) apply(s train.Snapshot, plan []train.Action) train.Snapshot {
	t := ap.t
	t.Helper()
	s.Cars = slices.Clone(s.Cars)
	for i := range s.Cars {
		if p := s.Cars[i].Pipeline; p != nil {
			cp := *p
			s.Cars[i].Pipeline = &cp
		}
	}
	find := func(id int64) *train.Car {
		t.Helper()
		for i := range s.Cars {
			if s.Cars[i].ID == id {
				return &s.Cars[i]
			}
		}
		require.Failf(t, "no such car", "car %d in %v", id, plan)
		return nil
	}
	cancel := func(c *train.Car, id int64, a train.Action) {
		t.Helper()
		if id == 0 {
			require.True(t, c.Pipeline == nil || c.Pipeline.Status.Complete(), "%s leaves pipeline running", a)
			return
		}
		require.NotNil(t, c.Pipeline, "%s", a)
		require.Equal(t, c.Pipeline.ID, id, "%s: not the car's pipeline", a)
		require.False(t, c.Pipeline.Status.Complete(), "%s: already finished", a)
		c.Pipeline.Status = train.PipelineCanceled
	}
	built := map[int64]bool{}
	for _, a := range plan {
		c := find(a.CarID())
		require.True(t, c.State.Refreshable(), "%s touches a %s car", a, c.State)
		switch a := a.(type) {
		case train.Build:
			require.False(t, built[a.Car], "car %d built twice in one plan", a.Car)
			built[a.Car] = true
			cancel(c, a.Cancel, a)
			base := s.TargetSHA
			if a.On != 0 {
				on := find(a.On)
				require.True(t, on.State.Active() && on.Pipeline != nil, "%s: car %d has no train commit", a, a.On)
				base = on.Pipeline.SHA
			}
			require.NotEmpty(t, base, "%s: nothing to build on", a)
			var err error
			c.State, err = c.State.RefreshPipeline()
			require.NoError(t, err)
			ap.commits++
			c.Pipeline = &train.Pipeline{ID: int64(1000 + ap.commits), SHA: "b" + strconv.Itoa(ap.commits), BaseCar: a.On, BaseSHA: base, Status: train.PipelineRunning}
			c.Failure = nil
		case train.Drop:
			cancel(c, a.Cancel, a)
			s.Cars = slices.DeleteFunc(s.Cars, func(x train.Car) bool { return x.ID == a.Car })
		case train.SkipMerged:
			cancel(c, a.Cancel, a)
			require.Equal(t, train.MergeRequestMerged, c.MergeRequest.State)
			c.State = train.StateSkipMerged
		case train.Merge:
			require.Equal(t, train.StateFresh, c.State)
			require.Equal(t, train.PipelineSuccess, c.Pipeline.Status)
			require.Equal(t, a.From, s.TargetSHA, "%s: the target is not where the merge starts", a)
			if a.Onto {
				c.MergeSHA = "m" + strconv.FormatInt(a.Car, 10)
			} else {
				require.Equal(t, c.Pipeline.SHA, a.SHA)
				require.Equal(t, c.Pipeline.BaseSHA, a.From)
				c.MergeSHA = a.SHA
			}
			c.MergeFrom, s.TargetSHA = a.From, c.MergeSHA
			var err error
			c.State, err = c.State.StartMerge()
			require.NoError(t, err)
			c.State, err = c.State.FinishMerge()
			require.NoError(t, err)
		case train.FinishMerge:
			require.Equal(t, train.StateMerging, c.State)
			landing, from := "", ""
			if c.Pipeline != nil {
				landing, from = c.Pipeline.SHA, c.Pipeline.BaseSHA
			}
			var err error
			switch {
			case landing != "" && s.TargetSHA == landing: // landed before
				c.State, err = c.State.FinishMerge()
			case landing != "" && s.TargetSHA == from:
				s.TargetSHA = landing
				c.State, err = c.State.FinishMerge()
			default: // the target moved: rebuild, never land untested
				c.State, err = c.State.RevertMerge()
			}
			require.NoError(t, err)
			c.MergeSHA = s.TargetSHA
		default:
			require.Failf(t, "unknown action", "%T", a)
		}
	}
	return s
}

// requireSettles checks that plans, applied one after another, are legal
// and come to rest: a train that needs nothing more until something changes.
func requireSettles(t *testing.T, s train.Snapshot, plan []train.Action) {
	t.Helper()
	ap := &applier{t: t}
	for range 6 {
		s = ap.apply(s, plan)
		var err error
		plan, err = train.Schedule(s)
		require.NoError(t, err)
		if len(plan) == 0 {
			return
		}
	}
	require.Failf(t, "no rest", "still planning %v", plan)
}

// Random trains: a fixed set of seeds runs in make test; more explore:
//
//	go test ./server/train -run Random -train.seeds 200000 -train.first 3000
var (
	seedCount = flag.Uint64("train.seeds", 3000, "how many random trains the randomized tests try")
	seedFirst = flag.Uint64("train.first", 0, "the first seed of the randomized tests")
)

// TestScheduleSettlesOnRandomTrains applies the plans of many random (valid)
// trains: every plan must be applicable with legal transitions and the train
// must come to rest, whatever mix of states, stale bases, failures,
// validations, limits and attributions went in.
func TestScheduleSettlesOnRandomTrains(t *testing.T) {
	t.Parallel()
	for seed := *seedFirst; seed < *seedFirst+*seedCount; seed++ {
		s := randomTrain(rand.New(rand.NewPCG(seed, 7)))
		plan, err := train.Schedule(s)
		require.NoError(t, err, "seed %d", seed)
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { requireSettles(t, s, plan) })
	}
}

// TestScheduleOneActionAtATimeAgreesWithWholePlans is how the server runs
// plans: it applies the first action, reads the train again and plans once
// more. The train must come to the same rest as when whole plans are
// applied: the same cars merged, dropped and kept.
func TestScheduleOneActionAtATimeAgreesWithWholePlans(t *testing.T) {
	t.Parallel()
	for seed := *seedFirst; seed < *seedFirst+*seedCount; seed++ {
		s := randomTrain(rand.New(rand.NewPCG(seed, 7)))
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			whole, stepwise := s, s
			wap, sap := &applier{t: t}, &applier{t: t}
			for range 6 {
				plan, err := train.Schedule(whole)
				require.NoError(t, err)
				if len(plan) == 0 {
					break
				}
				whole = wap.apply(whole, plan)
			}
			for range 200 {
				plan, err := train.Schedule(stepwise)
				require.NoError(t, err)
				if len(plan) == 0 {
					break
				}
				stepwise = sap.apply(stepwise, plan[:1])
			}
			plan, err := train.Schedule(stepwise)
			require.NoError(t, err)
			require.Empty(t, plan, "one action at a time does not come to rest")
			require.Equal(t, outcome(whole), outcome(stepwise))
		})
	}
}

// outcome is each car's state at rest, and the target's move.
func outcome(s train.Snapshot) string {
	out := ""
	for _, c := range s.Cars {
		out += fmt.Sprintf("%d:%s ", c.ID, c.State)
	}
	return out
}

func randomTrain(r *rand.Rand) train.Snapshot {
	s := train.Snapshot{TargetSHA: "t0", Limit: r.IntN(5), Attribution: train.Attribution(r.IntN(2))}
	switch r.IntN(10) {
	case 0:
		s.TargetSHA = ""
	case 1:
		s.TargetSHA = "x" // pushed from outside, or by a merge below
	}
	s.TrainsDisabled = r.IntN(20) == 0
	id := int64(0)
	var lastID int64   // the last car kept, 0 for the target
	var lastSHA string // its train commit
	pipeline := func(status train.PipelineStatus) *train.Pipeline {
		p := &train.Pipeline{ID: 100 + id, SHA: "p" + strconv.FormatInt(id, 10), BaseSHA: s.TargetSHA, Status: status}
		if lastID != 0 {
			p.BaseCar, p.BaseSHA = lastID, lastSHA
		}
		if r.IntN(4) == 0 { // built on something that is gone
			p.BaseCar, p.BaseSHA = int64(r.IntN(3)), "old"
		}
		return p
	}
	for range r.IntN(3) {
		id++
		state := train.StateMerged
		if r.IntN(2) == 0 {
			state = train.StateSkipMerged
		}
		s.Cars = append(s.Cars, train.Car{ID: id, State: state, MergeFrom: []string{"t0", "old", ""}[r.IntN(3)], MergeSHA: []string{"t0", "x", "m"}[r.IntN(3)]})
	}
	for range r.IntN(2) { // the server lands one car at a time
		id++
		c := train.Car{ID: id, State: train.StateMerging, Pipeline: pipeline(train.PipelineSuccess)}
		if r.IntN(8) == 0 {
			c.Pipeline = nil
		}
		s.Cars = append(s.Cars, c)
		lastID, lastSHA = id, pipelineSHA(c.Pipeline)
	}
	for range r.IntN(8) {
		id++
		if r.IntN(6) == 0 {
			s.Cars = append(s.Cars, train.Car{ID: id, State: train.StateSkipMerged, MergeFrom: "t0", MergeSHA: "x"})
			continue
		}
		c := train.Car{ID: id, State: []train.State{train.StateIdle, train.StateStale, train.StateFresh, train.StateFresh}[r.IntN(4)]}
		if c.State != train.StateIdle && r.IntN(6) != 0 {
			c.Pipeline = pipeline(train.PipelineStatus(r.IntN(6)))
		}
		c.MergeRequest.Checks = []train.Checks{train.ChecksPassed, train.ChecksPassed, train.ChecksPending, train.ChecksFailed}[r.IntN(4)]
		switch r.IntN(14) {
		case 0:
			c.MergeRequest.Draft = true
		case 1:
			c.MergeRequest.SourceChanged = true
		case 2:
			c.MergeRequest.State = train.MergeRequestClosed
		case 3:
			base := s.TargetSHA
			if lastID != 0 {
				base = lastSHA
			}
			c.Failure = &train.Failure{Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"f"}}, BaseSHA: base}
		case 4:
			c.MergeRequest.State = train.MergeRequestMerged
		}
		s.Cars = append(s.Cars, c)
		lastID, lastSHA = id, pipelineSHA(c.Pipeline)
	}
	return s
}

func pipelineSHA(p *train.Pipeline) string {
	if p == nil {
		return ""
	}
	return p.SHA
}
