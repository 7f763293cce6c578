package train_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/train"
)

// applyPlan applies plan to a copy of s the way the Action docs tell a
// refresher to, failing t on anything a refresher could not do (a transition
// the state machine refuses, a base that does not exist, a cancel of the
// wrong pipeline). New pipelines run; new commits are b1, b2, ...
func applyPlan(t *testing.T, s train.Snapshot, plan []train.Action) train.Snapshot {
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
	built := map[int64]bool{}
	for n, a := range plan {
		c := find(a.CarID())
		require.True(t, c.State.Refreshable(), "%s touches a %s car", a, c.State)
		switch a := a.(type) {
		case train.Build:
			require.False(t, built[a.Car], "car %d built twice in one plan", a.Car)
			built[a.Car] = true
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
			c.Pipeline = &train.Pipeline{ID: int64(1000 + n), SHA: "b" + strconv.Itoa(n), BaseCar: a.On, BaseSHA: base, Status: train.PipelineRunning}
		case train.CancelPipeline:
			require.NotNil(t, c.Pipeline)
			require.Equal(t, c.Pipeline.ID, a.Pipeline, "%s: not the car's pipeline", a)
			require.False(t, c.Pipeline.Status.Complete(), "%s: already finished", a)
			c.Pipeline.Status = train.PipelineCanceled
		case train.Drop:
			if c.Pipeline != nil {
				require.True(t, c.Pipeline.Status.Complete(), "%s: pipeline still runs", a)
			}
			s.Cars = slices.DeleteFunc(s.Cars, func(x train.Car) bool { return x.ID == a.Car })
		case train.StartMerge:
			require.Equal(t, train.PipelineSuccess, c.Pipeline.Status)
			require.Less(t, n+1, len(plan))
			require.Equal(t, a.Car, plan[n+1].CarID(), "StartMerge must be followed by its FinishMerge")
			var err error
			c.State, err = c.State.StartMerge()
			require.NoError(t, err)
		case train.FinishMerge:
			require.Equal(t, c.Pipeline.SHA, a.SHA)
			require.Equal(t, c.Pipeline.BaseSHA, a.From)
			switch s.TargetSHA {
			case a.SHA: // landed before
			case a.From:
				s.TargetSHA = a.SHA // fast-forward to the tested commit
			default:
				s.TargetSHA = "m" + strconv.FormatInt(a.Car, 10) // merged the ordinary way after a known push
			}
			var err error
			c.State, err = c.State.FinishMerge()
			require.NoError(t, err)
			c.MergeSHA = s.TargetSHA
		default:
			require.Failf(t, "unknown action", "%T", a)
		}
	}
	return s
}

// requireSettles checks that the plan can be applied and that the train it
// leaves needs nothing more until something changes.
func requireSettles(t *testing.T, s train.Snapshot, plan []train.Action) {
	t.Helper()
	after := applyPlan(t, s, plan)
	again, err := train.Schedule(after)
	require.NoError(t, err)
	require.Empty(t, again, "a second refresh of the applied plan %v", plan)
}

// TestScheduleSettlesOnRandomTrains applies the plans of many random (valid)
// trains: every plan must be applicable with legal transitions and leave a
// train with nothing left to do, whatever mix of states, stale bases,
// failures, validations and limits went in.
func TestScheduleSettlesOnRandomTrains(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3000) {
		s := randomTrain(rand.New(rand.NewPCG(seed, 7)))
		plan, err := train.Schedule(s)
		require.NoError(t, err, "seed %d", seed)
		t.Run(fmt.Sprint(seed), func(t *testing.T) { requireSettles(t, s, plan) })
	}
}

func randomTrain(r *rand.Rand) train.Snapshot {
	s := train.Snapshot{TargetSHA: "t0", Limit: r.IntN(5)}
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
		s.Cars = append(s.Cars, train.Car{ID: id, State: state, MergeSHA: []string{"t0", "x", "m"}[r.IntN(3)]})
	}
	for range r.IntN(3) {
		id++
		c := train.Car{ID: id, State: train.StateMerging, Pipeline: pipeline(train.PipelineSuccess)}
		switch r.IntN(8) {
		case 0:
			c.Pipeline = nil
		case 1:
			c.Abort = &train.Cause{Reason: train.ReasonMergeFailed, Detail: "refused"}
		}
		s.Cars = append(s.Cars, c)
		lastID, lastSHA = id, pipelineSHA(c.Pipeline)
	}
	for range r.IntN(8) {
		id++
		if r.IntN(6) == 0 {
			s.Cars = append(s.Cars, train.Car{ID: id, State: train.StateSkipMerged, MergeSHA: "x"})
			continue
		}
		c := train.Car{ID: id, State: []train.State{train.StateIdle, train.StateStale, train.StateFresh, train.StateFresh}[r.IntN(4)]}
		if c.State != train.StateIdle && r.IntN(6) != 0 {
			c.Pipeline = pipeline(train.PipelineStatus(r.IntN(6)))
		}
		c.MergeRequest.Checks = []train.Checks{train.ChecksPassed, train.ChecksPassed, train.ChecksPending, train.ChecksFailed}[r.IntN(4)]
		switch r.IntN(12) {
		case 0:
			c.MergeRequest.Draft = true
		case 1:
			c.MergeRequest.SourceChanged = true
		case 2:
			c.MergeRequest.State = train.MergeRequestClosed
		case 3:
			c.Abort = &train.Cause{Reason: train.ReasonConflict, Paths: []string{"f"}}
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
