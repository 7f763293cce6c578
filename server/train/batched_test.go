package train_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/train"
)

// calm is a history of 100 landings: no screening, batches of MaxBatch.
func calm() train.History {
	var h train.History
	for range 100 {
		h = h.Record(false)
	}
	return h
}

// link is chain car id at place seq, with train commit c<id> on car on (0:
// the target), tested by pipeline 10*id when status is not created.
func link(id, seq, on int64, status train.PipelineStatus) train.Car {
	c := built(id, on, status)
	c.Seq = seq
	if status == train.PipelineCreated {
		c.Pipeline.ID = 0
	}
	return c
}

func batched(cars ...train.Car) train.Snapshot {
	return train.Snapshot{TargetSHA: head, Strategy: train.StrategyBatched, FlakeRetries: 1, History: calm(), Cars: cars}
}

func TestBatchSizeFollowsFailureRate(t *testing.T) {
	t.Parallel()
	require.Equal(t, train.MaxBatch, train.BatchSize(calm()))
	require.False(t, train.Screening(calm()))
	var bad train.History
	for i := range 100 {
		bad = bad.Record(i%5 == 0) // 20%
	}
	require.True(t, train.Screening(bad), "a train that fails often screens new cars")
	require.True(t, train.Screening(train.History{}), "a new train starts cautious (prior 1/10)")
	require.Len(t, bad.Record(true).Failed, train.HistorySize, "only the last outcomes are kept")
	require.Greater(t, train.Depth(calm(), 20), train.Depth(bad, 20)-1)
}

func TestBatchedAdmitsChainsAndTestsABatch(t *testing.T) {
	t.Parallel()
	cars := []train.Car{}
	for id := int64(1); id <= 9; id++ {
		cars = append(cars, idle(id))
	}
	plan, err := train.Schedule(batched(cars...))
	require.NoError(t, err)
	var want []train.Action
	for id := int64(1); id <= 9; id++ {
		want = append(want, train.Admit{Car: id})
	}
	for id := int64(1); id <= 9; id++ {
		want = append(want, train.Chain{Car: id, On: id - 1})
	}
	// One batch of 8 is tested; the tail of one waits while it runs.
	want = append(want, train.Test{Car: 8})
	require.Equal(t, want, plan)
}

func TestBatchedLandsThePassedPrefixAtOnce(t *testing.T) {
	t.Parallel()
	s := batched(
		link(1, 1, 0, train.PipelineCreated),
		link(2, 2, 1, train.PipelineSuccess),
		link(3, 3, 2, train.PipelineCreated),
		link(4, 4, 3, train.PipelineRunning),
	)
	plan, err := train.Schedule(s)
	require.NoError(t, err)
	require.Equal(t, []train.Action{train.Merge{Car: 2, SHA: sha(2), From: head, Through: []int64{1, 2}}}, plan)
}

func TestBatchedSplitsAFailedBatchAndRebuildsBehind(t *testing.T) {
	t.Parallel()
	s := batched(
		link(1, 1, 0, train.PipelineCreated),
		link(2, 2, 1, train.PipelineFailed),
		link(3, 3, 2, train.PipelineCreated),
	)
	plan, err := train.Schedule(s)
	require.NoError(t, err)
	require.Equal(t, []train.Action{
		train.Split{Cars: []int64{1, 2}},
		train.Chain{Car: 3, On: 0},
		train.Test{Car: 3},
	}, plan)
}

func TestBatchedBlamesALoneCarThenDropsIt(t *testing.T) {
	t.Parallel()
	s := batched(link(1, 1, 0, train.PipelineFailed))
	plan, err := train.Schedule(s)
	require.NoError(t, err)
	require.Equal(t, []train.Action{train.Expel{Car: 1, Blame: true}}, plan, "one flake retry")

	s.Cars[0].Failures = 1
	plan, err = train.Schedule(s)
	require.NoError(t, err)
	require.Equal(t, []train.Action{drop(1, train.ReasonPipelineFailed)}, plan)
}

func TestBatchedOptimisticLandsOverAnEarlierFailure(t *testing.T) {
	t.Parallel()
	s := batched(
		link(1, 1, 0, train.PipelineFailed),
		link(2, 2, 1, train.PipelineSuccess),
	)
	plan, err := train.Schedule(s)
	require.NoError(t, err)
	require.Equal(t, []train.Action{train.Expel{Car: 1, Blame: true}, train.Chain{Car: 2, On: 0}, train.Test{Car: 2}}, plan,
		"without optimism the failure ahead is judged first")

	s.Optimistic = true
	plan, err = train.Schedule(s)
	require.NoError(t, err)
	require.Equal(t, []train.Action{train.Merge{Car: 2, SHA: sha(2), From: head, Through: []int64{1, 2}}}, plan,
		"car 2's passed test contains car 1: both land")
}

func TestBatchedWaitsForTestsAheadOfAFailure(t *testing.T) {
	t.Parallel()
	s := batched(
		link(1, 1, 0, train.PipelineRunning),
		link(2, 2, 1, train.PipelineFailed),
	)
	plan, err := train.Schedule(s)
	require.NoError(t, err)
	require.Empty(t, plan, "car 2 may have failed because of car 1")
}

func TestBatchedScreensSuspectsWithinTheBudget(t *testing.T) {
	t.Parallel()
	suspect := func(id int64) train.Car { return with(idle(id), func(c *train.Car) { c.Suspect = true }) }
	s := batched(link(1, 1, 0, train.PipelineRunning), suspect(2), suspect(3), suspect(4))
	s.Limit = 3
	plan, err := train.Schedule(s)
	require.NoError(t, err)
	require.Equal(t, []train.Action{train.Screen{Car: 2}, train.Screen{Car: 3}}, plan, "one test runs: two screens fit a budget of 3")

	passed := with(suspect(2), func(c *train.Car) {
		c.Screen = &train.Pipeline{ID: 99, SHA: "s2", BaseSHA: head, Status: train.PipelineSuccess}
	})
	failedOnTarget := with(suspect(3), func(c *train.Car) {
		c.Failure = &train.Failure{Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"a"}}, BaseSHA: head}
	})
	plan, err = train.Schedule(batched(passed, failedOnTarget))
	require.NoError(t, err)
	require.Equal(t, []train.Action{
		train.Admit{Car: 2},
		train.Drop{Car: 3, Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"a"}}},
		train.Chain{Car: 2, On: 0},
		train.Test{Car: 2},
	}, plan)
}

func TestBatchedFinishesMergingCarsFirst(t *testing.T) {
	t.Parallel()
	m := merging(1, 0)
	m.Seq = 1
	plan, err := train.Schedule(batched(m, idle(2)))
	require.NoError(t, err)
	require.Equal(t, []train.Action{finish(1)}, plan)
}
