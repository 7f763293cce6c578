package train_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/train"
)

// head is the target branch head in most cases below.
const head = "t0"

// sha is the train commit of car id's current pipeline in these fixtures.
func sha(id int64) string { return "c" + strconv.FormatInt(id, 10) }

// ready is an open MR whose checks passed: nothing stops its car.
func ready() train.MergeRequest { return train.MergeRequest{Checks: train.ChecksPassed} }

func idle(id int64) train.Car {
	return train.Car{ID: id, State: train.StateIdle, MergeRequest: ready()}
}

// built is a fresh car with pipeline 10*id testing commit c<id>, built on car
// on (on the target head t0 when on is 0).
func built(id, on int64, status train.PipelineStatus) train.Car {
	base := head
	if on != 0 {
		base = sha(on)
	}
	return train.Car{ID: id, State: train.StateFresh, MergeRequest: ready(), Pipeline: &train.Pipeline{
		ID: 10 * id, SHA: sha(id), BaseCar: on, BaseSHA: base, Status: status,
	}}
}

func merging(id, on int64) train.Car {
	c := built(id, on, train.PipelineSuccess)
	c.State = train.StateMerging
	return c
}

func merged(id int64, mergeSHA string) train.Car {
	return train.Car{ID: id, State: train.StateMerged, MergeSHA: mergeSHA}
}

func skipMerged(id int64, mergeSHA string) train.Car {
	return train.Car{ID: id, State: train.StateSkipMerged, MergeSHA: mergeSHA}
}

// with returns c changed by f, to keep table rows short.
func with(c train.Car, f func(*train.Car)) train.Car {
	f(&c)
	return c
}

func finish(id, on int64) train.FinishMerge {
	from := head
	if on != 0 {
		from = sha(on)
	}
	return train.FinishMerge{Car: id, SHA: sha(id), From: from}
}

func cancel(id int64) train.CancelPipeline { return train.CancelPipeline{Car: id, Pipeline: 10 * id} }

func drop(id int64, r train.Reason) train.Drop {
	return train.Drop{Car: id, Cause: train.Cause{Reason: r}}
}

// idleCars returns n idle cars with ids from, from+1, ...
func idleCars(from int64, n int) []train.Car {
	cars := make([]train.Car, n)
	for i := range cars {
		cars[i] = idle(from + int64(i))
	}
	return cars
}

// buildChain is what a run of new cars from..from+n-1 gets: the first on
// car on (0: the target), each next one on the car ahead.
func buildChain(on, from int64, n int) []train.Action {
	plan := make([]train.Action, n)
	for i := range plan {
		plan[i] = train.Build{Car: from + int64(i), On: on}
		on = from + int64(i)
	}
	return plan
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	A, B, C := int64(1), int64(2), int64(3)
	tests := []struct {
		name string
		snap train.Snapshot
		want []train.Action
	}{
		// Spec 4.2 case 33: a new car is idle, and a refresh builds it.
		{"33 new car is built on the target branch",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{idle(A)}},
			[]train.Action{train.Build{Car: A, On: 0}}},
		{"empty train", train.Snapshot{TargetSHA: head}, nil},

		// Case 34: the first car on the target, the next on the car ahead.
		{"34 second car is built on the first car's ref",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{idle(A), idle(B)}},
			[]train.Action{train.Build{Car: A, On: 0}, train.Build{Car: B, On: A}}},
		{"34 a car joining a running train is built on the last car",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelinePending), idle(C)}},
			[]train.Action{train.Build{Car: C, On: B}}},
		{"nothing to do while pipelines run",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineCreated)}},
			nil},

		// Case 35: the head's pipeline succeeds, it merges.
		{"35 head success starts and finishes the merge",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineRunning)}},
			[]train.Action{train.StartMerge{Car: A}, finish(A, 0)}},
		{"35 a merging car is finished, not merged twice",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{merging(A, 0), built(B, A, train.PipelineRunning)}},
			[]train.Action{finish(A, 0)}},
		{"35 a merging car is finished even if its merge already landed",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merging(A, 0)}},
			[]train.Action{finish(A, 0)}}, // FinishMerge's caller sees the target contains c1 and only records
		{"35 after the first merged the next succeeded car merges",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merged(A, sha(A)), built(B, A, train.PipelineSuccess)}},
			[]train.Action{train.StartMerge{Car: B}, finish(B, A)}},

		// Case 36: a later car's success waits for every car ahead.
		{"36 second car's success waits for the first",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineSuccess)}},
			nil},
		{"36 cars that all succeeded merge in order in one plan",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineSuccess), built(C, B, train.PipelineRunning)}},
			[]train.Action{train.StartMerge{Car: A}, finish(A, 0), train.StartMerge{Car: B}, finish(B, A)}},
		{"36 a car behind a merging one merges after it",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{merging(A, 0), built(B, A, train.PipelineSuccess)}},
			[]train.Action{finish(A, 0), train.StartMerge{Car: B}, finish(B, A)}},

		// Case 37: B fails in A, B, C.
		{"37 B fails: B dropped, C rebuilt on A, A untouched",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, B, train.PipelineRunning)}},
			[]train.Action{drop(B, train.ReasonPipelineFailed), cancel(C), train.Build{Car: C, On: A}}},
		{"37 a canceled pipeline counts as not succeeded",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineCanceled)}},
			[]train.Action{drop(A, train.ReasonPipelineFailed)}},
		{"37 a failure inherited from a dropped car rebuilds instead of dropping",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, B, train.PipelineFailed)}},
			[]train.Action{drop(B, train.ReasonPipelineFailed), train.Build{Car: C, On: A}}},

		// Case 38: the user cancels the first car.
		{"38 first car removed outside a refresh: everyone behind rebuilt on the target",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(B, A, train.PipelineRunning), built(C, B, train.PipelineRunning)}},
			[]train.Action{cancel(B), train.Build{Car: B, On: 0}, cancel(C), train.Build{Car: C, On: B}}},
		{"38 cancel recorded as Abort: dropped, everyone behind rebuilt",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.Abort = &train.Cause{Reason: train.ReasonCancelled} }),
				built(B, A, train.PipelineSuccess), built(C, B, train.PipelineRunning)}},
			[]train.Action{cancel(A), drop(A, train.ReasonCancelled), train.Build{Car: B, On: 0}, cancel(C), train.Build{Car: C, On: B}}},
		{"38 outdated (stale) car is rebuilt and so is everyone behind",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				built(A, 0, train.PipelineRunning),
				with(built(B, A, train.PipelineRunning), func(c *train.Car) { c.State = train.StateStale }),
				built(C, B, train.PipelineRunning)}},
			[]train.Action{cancel(B), train.Build{Car: B, On: A}, cancel(C), train.Build{Car: C, On: B}}},

		// Case 39: pushes to the target branch.
		{"39 push to the target from outside rebuilds every car",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineRunning), built(C, B, train.PipelineRunning)}},
			[]train.Action{train.Build{Car: A, On: 0}, cancel(B), train.Build{Car: B, On: A}, cancel(C), train.Build{Car: C, On: B}}},
		{"39 target at a merged car's commit is not a push from outside",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merged(A, sha(A)), built(B, A, train.PipelineRunning)}},
			nil},
		{"39 the train's own merge commit is a known push",
			train.Snapshot{TargetSHA: "m1", Cars: []train.Car{merged(A, "m1"), built(B, A, train.PipelineRunning)}},
			nil},
		{"39 a push on top of a merge rebuilds",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{merged(A, sha(A)), built(B, A, train.PipelineRunning)}},
			[]train.Action{cancel(B), train.Build{Car: B, On: 0}}},
		{"39 a failed pipeline on an outdated base rebuilds instead of dropping",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{built(A, 0, train.PipelineFailed)}},
			[]train.Action{train.Build{Car: A, On: 0}}},

		// Case 40: a push to a car's source branch drops it.
		{"40 push to a car's source branch drops it and rebuilds behind",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				built(A, 0, train.PipelineRunning),
				with(built(B, A, train.PipelineRunning), func(c *train.Car) { c.MergeRequest.SourceChanged = true }),
				built(C, B, train.PipelineRunning)}},
			[]train.Action{cancel(B), drop(B, train.ReasonSourceBranchUpdated), cancel(C), train.Build{Car: C, On: A}}},

		// Case 41: draft, closed and the other MR validations.
		{"41 draft MR is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.MergeRequest.Draft = true })}},
			[]train.Action{cancel(A), drop(A, train.ReasonDraft)}},
		{"41 closed MR is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(idle(A), func(c *train.Car) { c.MergeRequest.State = train.MergeRequestClosed }), idle(B)}},
			[]train.Action{drop(A, train.ReasonClosed), train.Build{Car: B, On: 0}}},
		{"41 MR merged outside the train is dropped as not open",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineSuccess), func(c *train.Car) { c.MergeRequest.State = train.MergeRequestMerged })}},
			[]train.Action{drop(A, train.ReasonClosed)}},
		{"41 broken MR is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(idle(A), func(c *train.Car) { c.MergeRequest.Broken = true })}},
			[]train.Action{drop(A, train.ReasonBroken)}},
		{"41 auto-merge turned off drops the car",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(idle(A), func(c *train.Car) { c.MergeRequest.AutoMergeDisabled = true })}},
			[]train.Action{drop(A, train.ReasonNotAutoMerge)}},
		{"41 the first failing validation names the cause",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(idle(A), func(c *train.Car) {
				c.MergeRequest.State, c.MergeRequest.Draft = train.MergeRequestClosed, true
			})}},
			[]train.Action{drop(A, train.ReasonClosed)}},

		// Case 42: the concurrency limit.
		{"42 25 new cars with the default limit: 20 are built",
			train.Snapshot{TargetSHA: head, Cars: idleCars(1, 25)},
			buildChain(0, 1, 20)},
		{"42 25 new cars with limit 3: 3 are built",
			train.Snapshot{TargetSHA: head, Limit: 3, Cars: idleCars(1, 25)},
			buildChain(0, 1, 3)},
		{"42 a full window leaves the rest idle",
			train.Snapshot{TargetSHA: head, Limit: 2, Cars: append([]train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineRunning)}, idleCars(3, 3)...)},
			nil},
		{"42 a merge lets the next idle car in",
			train.Snapshot{TargetSHA: head, Limit: 2, Cars: append([]train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineRunning)}, idleCars(3, 3)...)},
			[]train.Action{train.StartMerge{Car: A}, finish(A, 0), train.Build{Car: 3, On: B}}},
		{"42 a drop lets the next idle car in",
			train.Snapshot{TargetSHA: head, Limit: 2, Cars: append([]train.Car{built(A, 0, train.PipelineFailed), built(B, A, train.PipelineRunning)}, idleCars(3, 3)...)},
			[]train.Action{drop(A, train.ReasonPipelineFailed), cancel(B), train.Build{Car: B, On: 0}, train.Build{Car: 3, On: B}}},
		{"42 a merging car does not hold a place",
			train.Snapshot{TargetSHA: head, Limit: 1, Cars: []train.Car{merging(A, 0), idle(B), idle(C)}},
			[]train.Action{finish(A, 0), train.Build{Car: B, On: 0}}},
		{"42 a car beyond the limit that must leave is dropped without being built",
			train.Snapshot{TargetSHA: head, Limit: 1, Cars: []train.Car{
				built(A, 0, train.PipelineRunning),
				with(idle(B), func(c *train.Car) { c.MergeRequest.Draft = true }),
				with(idle(C), func(c *train.Car) { c.Abort = &train.Cause{Reason: train.ReasonCancelled} }),
				idle(4)}},
			[]train.Action{drop(B, train.ReasonDraft), drop(C, train.ReasonCancelled)}},
		{"42 a pipeline beyond a lowered limit is left alone, failed or not",
			train.Snapshot{TargetSHA: head, Limit: 1, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, B, train.PipelineRunning)}},
			nil},

		// Case 43: skip_merged cars (merge immediately).
		{"43 skip_merged cars neither count nor block",
			train.Snapshot{TargetSHA: head, Limit: 2, Cars: []train.Car{built(A, 0, train.PipelineRunning), skipMerged(B, "s2"), skipMerged(C, "s3"), idle(4), idle(5)}},
			[]train.Action{train.Build{Car: 4, On: A}}},
		{"43 merge immediately with skip-train does not restart the train",
			train.Snapshot{TargetSHA: "s2", Cars: []train.Car{built(A, 0, train.PipelineRunning), skipMerged(B, "s2"), built(C, A, train.PipelineRunning)}},
			nil},
		{"43 a car behind a skip_merged car still merges first",
			train.Snapshot{TargetSHA: "s1", Cars: []train.Car{skipMerged(A, "s1"), built(B, 0, train.PipelineSuccess)}},
			[]train.Action{train.StartMerge{Car: B}, finish(B, 0)}}, // From t0: FinishMerge merges onto s1
		{"43 a known push does not excuse a base that never landed",
			train.Snapshot{TargetSHA: "s1", Cars: []train.Car{skipMerged(9, "s1"), built(10, 7, train.PipelineRunning)}},
			[]train.Action{cancel(10), train.Build{Car: 10, On: 0}}}, // car 7 was removed without merging

		// Status checks: a car never merges before they pass.
		{"checks pending: the ready head waits",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineSuccess), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksPending }), built(B, A, train.PipelineSuccess)}},
			nil},
		{"checks failed: the ready head is dropped and the train rebuilt",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineSuccess), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksFailed }), built(B, A, train.PipelineRunning)}},
			[]train.Action{drop(A, train.ReasonStatusChecksFailed), cancel(B), train.Build{Car: B, On: 0}}},
		{"checks failed on a car still building: it keeps its place for a retry",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksFailed })}},
			nil},

		// Outcomes the caller discovered while applying an earlier plan.
		{"conflict found while building drops the car with its paths",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				with(idle(A), func(c *train.Car) {
					c.Abort = &train.Cause{Reason: train.ReasonConflict, Paths: []string{"go.mod"}}
				}), idle(B)}},
			[]train.Action{train.Drop{Car: A, Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"go.mod"}}}, train.Build{Car: B, On: 0}}},
		{"refused merge: the merging car is dropped and the train rebuilt",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{
				with(merging(A, 0), func(c *train.Car) {
					c.Abort = &train.Cause{Reason: train.ReasonMergeFailed, Detail: "the target branch moved"}
				}), built(B, A, train.PipelineSuccess)}},
			[]train.Action{train.Drop{Car: A, Cause: train.Cause{Reason: train.ReasonMergeFailed, Detail: "the target branch moved"}}, train.Build{Car: B, On: 0}}},
		{"merging car without a tested commit is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{{ID: A, State: train.StateMerging}}},
			[]train.Action{train.Drop{Car: A, Cause: train.Cause{Reason: train.ReasonMergeFailed, Detail: "the car has no tested commit"}}}},
		{"a refresh that crashed after rebuilding the car ahead is repaired",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.Pipeline.SHA = "c1-rebuilt" }),
				built(B, A, train.PipelineSuccess)}},
			[]train.Action{train.Build{Car: B, On: A}}},
		{"fresh car without a pipeline is built",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{{ID: A, State: train.StateFresh, MergeRequest: ready()}}},
			[]train.Action{train.Build{Car: A, On: 0}}},

		// Project settings and the target branch.
		{"trains disabled: active cars dropped, a merging car still finishes",
			train.Snapshot{TargetSHA: head, TrainsDisabled: true, Cars: []train.Car{merging(A, 0), built(B, A, train.PipelineRunning), idle(C)}},
			[]train.Action{finish(A, 0), cancel(B), drop(B, train.ReasonTrainsDisabled), drop(C, train.ReasonTrainsDisabled)}},
		{"missing target branch: the previous ref does not exist",
			train.Snapshot{Cars: []train.Car{built(A, 0, train.PipelineRunning), idle(B)}},
			[]train.Action{cancel(A), drop(A, train.ReasonPreviousRefMissing), drop(B, train.ReasonPreviousRefMissing)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := train.Schedule(tt.snap)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			requireSettles(t, tt.snap, got)
		})
	}
}

func TestScheduleRejectsInvalidSnapshots(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		snap train.Snapshot
		msg  string
	}{
		{"ids out of order", train.Snapshot{Cars: []train.Car{idle(2), idle(1)}}, "car 1 follows car 2"},
		{"duplicate ids", train.Snapshot{Cars: []train.Car{idle(1), idle(1)}}, "car 1 follows car 1"},
		{"zero id", train.Snapshot{Cars: []train.Car{idle(0)}}, "car 0 follows car 0"},
		{"unknown state", train.Snapshot{Cars: []train.Car{{ID: 1, State: 9}}}, "car 1 has State(9)"},
		{"negative limit", train.Snapshot{Limit: -1}, "negative limit -1"},
		{"merging behind an active car", train.Snapshot{Cars: []train.Car{idle(1), merging(2, 1)}}, "car 2 is merging behind an active car"},
		{"unknown pipeline status", train.Snapshot{Cars: []train.Car{with(built(1, 0, 0), func(c *train.Car) { c.Pipeline.Status = 17 })}}, "PipelineStatus(17)"},
		{"unknown MR state", train.Snapshot{Cars: []train.Car{with(idle(1), func(c *train.Car) { c.MergeRequest.State = 5 })}}, "MergeRequestState(5)"},
		{"unknown checks", train.Snapshot{Cars: []train.Car{with(idle(1), func(c *train.Car) { c.MergeRequest.Checks = -1 })}}, "Checks(-1)"},
		{"abort without a reason", train.Snapshot{Cars: []train.Car{with(idle(1), func(c *train.Car) { c.Abort = &train.Cause{} })}}, "abort with Reason(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan, err := train.Schedule(tt.snap)
			require.ErrorIs(t, err, train.ErrInvalidSnapshot)
			require.ErrorContains(t, err, tt.msg)
			require.Nil(t, plan)
		})
	}
}

func TestActionStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action train.Action
		want   string
	}{
		{train.Build{Car: 1}, "build car 1 on the target branch"},
		{train.Build{Car: 2, On: 1}, "build car 2 on car 1"},
		{train.CancelPipeline{Car: 2, Pipeline: 20}, "cancel pipeline 20 of car 2"},
		{drop(3, train.ReasonDraft), "drop car 3: merge_request_draft"},
		{train.StartMerge{Car: 4}, "start merging car 4"},
		{train.FinishMerge{Car: 4, SHA: "c4", From: "t0"}, "finish merging car 4 (t0 -> c4)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.action.String())
			require.NotZero(t, tt.action.CarID())
		})
	}
}
