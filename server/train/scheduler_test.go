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

// skipMerged is an MR merged outside the train from from to mergeSHA, whose
// push the project lets the train keep its pipelines over.
func skipMerged(id int64, from, mergeSHA string) train.Car {
	return train.Car{ID: id, State: train.StateSkipMerged, MergeFrom: from, MergeSHA: mergeSHA}
}

// with returns c changed by f, to keep table rows short.
func with(c train.Car, f func(*train.Car)) train.Car {
	f(&c)
	return c
}

// merge is the fast-forward merge of car id built on car on (0: the target).
func merge(id, on int64) train.Merge {
	from := head
	if on != 0 {
		from = sha(on)
	}
	return train.Merge{Car: id, SHA: sha(id), From: from}
}

// carChecks sets the verdict of the checks asked about c's commit.
func carChecks(c train.Car, v train.CarChecks) train.Car {
	c.Pipeline.Checks = v
	return c
}

func finish(id int64) train.FinishMerge { return train.FinishMerge{Car: id} }

// rebuild builds car id on car on, cancelling its running pipeline 10*id.
func rebuild(id, on int64) train.Build { return train.Build{Car: id, On: on, Cancel: 10 * id} }

func drop(id int64, r train.Reason) train.Drop {
	return train.Drop{Car: id, Cause: train.Cause{Reason: r}}
}

// dropRunning drops car id, cancelling its running pipeline 10*id.
func dropRunning(id int64, r train.Reason) train.Drop {
	return train.Drop{Car: id, Cause: train.Cause{Reason: r}, Cancel: 10 * id}
}

// conflict is a car that conflicted when built on base.
func conflict(c train.Car, base string) train.Car {
	c.Failure = &train.Failure{Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"go.mod"}}, BaseSHA: base}
	return c
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
	A, B, C, D := int64(1), int64(2), int64(3), int64(4)
	gitlab := func(s train.Snapshot) train.Snapshot { s.Attribution = train.AttributeGitLab; return s }
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
		{"35 head success merges it",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineRunning)}},
			[]train.Action{merge(A, 0)}},
		{"35 a merging car is finished, not merged twice",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{merging(A, 0), built(B, A, train.PipelineRunning)}},
			[]train.Action{finish(A)}},
		{"35 a merging car is finished even if its merge already landed",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merging(A, 0)}},
			[]train.Action{finish(A)}}, // FinishMerge's caller sees the target contains c1 and only records
		{"35 after the first merged the next succeeded car merges",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merged(A, sha(A)), built(B, A, train.PipelineSuccess)}},
			[]train.Action{merge(B, A)}},

		// Case 36: a later car's success waits for every car ahead.
		{"36 second car's success waits for the first",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineSuccess)}},
			nil},
		{"36 cars that all succeeded merge in order in one plan",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineSuccess), built(C, B, train.PipelineRunning)}},
			[]train.Action{merge(A, 0), merge(B, A)}},
		{"36 a car behind a merging one waits for its landing",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{merging(A, 0), built(B, A, train.PipelineSuccess)}},
			[]train.Action{finish(A)}},

		// Case 37: B fails in A, B, C.
		{"37 gitlab: B fails while A runs: B dropped, C rebuilt on A",
			gitlab(train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, B, train.PipelineRunning)}}),
			[]train.Action{drop(B, train.ReasonPipelineFailed), rebuild(C, A)}},
		{"37 B fails while A runs: B is held, C rebuilt on A without it",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, B, train.PipelineRunning)}},
			[]train.Action{rebuild(C, A)}},
		{"37 a held car behind running cars stays held",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, A, train.PipelineRunning)}},
			nil},
		{"37 the car ahead of a held car passed: the failure is its own",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineFailed), built(C, A, train.PipelineRunning)}},
			[]train.Action{merge(A, 0), drop(B, train.ReasonPipelineFailed)}},
		{"37 the car ahead of a held car merged: the failure is its own",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merged(A, sha(A)), built(B, A, train.PipelineFailed), built(C, A, train.PipelineRunning)}},
			[]train.Action{drop(B, train.ReasonPipelineFailed)}},
		{"37 the car ahead of a held car failed: it leaves and the held car is rebuilt",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineFailed), built(B, A, train.PipelineFailed), built(C, A, train.PipelineRunning)}},
			[]train.Action{drop(A, train.ReasonPipelineFailed), train.Build{Car: B, On: 0}, rebuild(C, B)}},
		{"37 a car ahead waiting for checks has passed: the failure behind is its own",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				with(built(A, 0, train.PipelineSuccess), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksPending }),
				built(B, A, train.PipelineFailed)}},
			[]train.Action{drop(B, train.ReasonPipelineFailed)}},
		{"37 two failures behind a running car are both held",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, A, train.PipelineFailed), idle(D)}},
			[]train.Action{train.Build{Car: D, On: A}}},
		{"37 a canceled pipeline counts as not succeeded",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineCanceled)}},
			[]train.Action{drop(A, train.ReasonPipelineFailed)}},
		{"37 gitlab: a failure inherited from a dropped car rebuilds instead of dropping",
			gitlab(train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, B, train.PipelineFailed)}}),
			[]train.Action{drop(B, train.ReasonPipelineFailed), train.Build{Car: C, On: A}}},

		// Case 38: the user cancels the first car (its command removed it).
		{"38 first car removed: everyone behind rebuilt on the target",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(B, A, train.PipelineRunning), built(C, B, train.PipelineRunning)}},
			[]train.Action{rebuild(B, 0), rebuild(C, B)}},
		{"38 outdated (stale) car is rebuilt and so is everyone behind",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				built(A, 0, train.PipelineRunning),
				with(built(B, A, train.PipelineRunning), func(c *train.Car) { c.State = train.StateStale }),
				built(C, B, train.PipelineRunning)}},
			[]train.Action{rebuild(B, A), rebuild(C, B)}},

		// Case 39: pushes to the target branch.
		{"39 push to the target from outside rebuilds every car",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{built(A, 0, train.PipelineSuccess), built(B, A, train.PipelineRunning), built(C, B, train.PipelineRunning)}},
			[]train.Action{train.Build{Car: A, On: 0}, rebuild(B, A), rebuild(C, B)}},
		{"39 target at a merged car's commit is not a push from outside",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merged(A, sha(A)), built(B, A, train.PipelineRunning)}},
			nil},
		{"39 a car the train merged onto a moved target is a known push",
			train.Snapshot{TargetSHA: "m1", Cars: []train.Car{
				with(merged(A, "m1"), func(c *train.Car) {
					c.Pipeline = &train.Pipeline{ID: 10, SHA: sha(A), BaseSHA: head, Status: train.PipelineSuccess}
				}),
				built(B, A, train.PipelineRunning)}},
			nil},
		{"39 a merge commit is not a known push for a car not built on its car",
			train.Snapshot{TargetSHA: "m1", Cars: []train.Car{merged(A, "m1"), built(B, A, train.PipelineRunning)}},
			[]train.Action{rebuild(B, 0)}},
		{"39 a push on top of a merge rebuilds",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{merged(A, sha(A)), built(B, A, train.PipelineRunning)}},
			[]train.Action{rebuild(B, 0)}},
		{"39 a reset to an earlier train merge rebuilds",
			train.Snapshot{TargetSHA: sha(A), Cars: []train.Car{merged(A, sha(A)), merged(B, sha(B)), built(C, B, train.PipelineSuccess)}},
			[]train.Action{train.Build{Car: C, On: 0}}},
		{"39 a failed pipeline on an outdated base rebuilds instead of dropping",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{built(A, 0, train.PipelineFailed)}},
			[]train.Action{train.Build{Car: A, On: 0}}},

		// Case 40: a push to a car's source branch drops it.
		{"40 push to a car's source branch drops it and rebuilds behind",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				built(A, 0, train.PipelineRunning),
				with(built(B, A, train.PipelineRunning), func(c *train.Car) { c.MergeRequest.SourceChanged = true }),
				built(C, B, train.PipelineRunning)}},
			[]train.Action{dropRunning(B, train.ReasonSourceBranchUpdated), rebuild(C, A)}},

		// Case 41: draft, closed and the other MR validations.
		{"41 draft MR is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.MergeRequest.Draft = true })}},
			[]train.Action{dropRunning(A, train.ReasonDraft)}},
		{"41 closed MR is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(idle(A), func(c *train.Car) { c.MergeRequest.State = train.MergeRequestClosed }), idle(B)}},
			[]train.Action{drop(A, train.ReasonClosed), train.Build{Car: B, On: 0}}},
		{"41 MR merged outside the train makes its car skip_merged",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.MergeRequest.State = train.MergeRequestMerged })}},
			[]train.Action{train.SkipMerged{Car: A, Cancel: 10}}},
		{"41 broken MR is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(idle(A), func(c *train.Car) { c.MergeRequest.Broken = true })}},
			[]train.Action{drop(A, train.ReasonBroken)}},
		{"41 retargeted MR is dropped",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(idle(A), func(c *train.Car) { c.MergeRequest.Retargeted = true })}},
			[]train.Action{drop(A, train.ReasonNotOnTrain)}},
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
			[]train.Action{merge(A, 0), train.Build{Car: 3, On: B}}},
		{"42 a drop lets the next idle car in",
			train.Snapshot{TargetSHA: head, Limit: 2, Cars: append([]train.Car{built(A, 0, train.PipelineFailed), built(B, A, train.PipelineRunning)}, idleCars(3, 3)...)},
			[]train.Action{drop(A, train.ReasonPipelineFailed), rebuild(B, 0), train.Build{Car: 3, On: B}}},
		{"42 a held car holds no pipeline, so the next idle car gets its place",
			train.Snapshot{TargetSHA: head, Limit: 2, Cars: append([]train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed)}, idleCars(3, 3)...)},
			[]train.Action{train.Build{Car: 3, On: A}}},
		{"42 cars behind a merging car wait for its landing",
			train.Snapshot{TargetSHA: head, Limit: 1, Cars: []train.Car{merging(A, 0), idle(B), idle(C)}},
			[]train.Action{finish(A)}},
		{"42 a car beyond the limit that must leave is dropped without being built",
			train.Snapshot{TargetSHA: head, Limit: 1, Cars: []train.Car{
				built(A, 0, train.PipelineRunning),
				with(idle(B), func(c *train.Car) { c.MergeRequest.Draft = true }),
				with(idle(C), func(c *train.Car) { c.MergeRequest.State = train.MergeRequestClosed }),
				idle(4)}},
			[]train.Action{drop(B, train.ReasonDraft), drop(C, train.ReasonClosed)}},
		{"42 a pipeline beyond a lowered limit is left alone, failed or not",
			train.Snapshot{TargetSHA: head, Limit: 1, Cars: []train.Car{built(A, 0, train.PipelineRunning), built(B, A, train.PipelineFailed), built(C, B, train.PipelineRunning)}},
			nil},

		// Case 43: skip_merged cars (merge immediately).
		{"43 skip_merged cars neither count nor block",
			train.Snapshot{TargetSHA: head, Limit: 2, Cars: []train.Car{built(A, 0, train.PipelineRunning), skipMerged(B, "x", "s2"), skipMerged(C, "x", "s3"), idle(4), idle(5)}},
			[]train.Action{train.Build{Car: 4, On: A}}},
		{"43 merge immediately with skip-train does not restart the train",
			train.Snapshot{TargetSHA: "s2", Cars: []train.Car{built(A, 0, train.PipelineRunning), skipMerged(B, head, "s2"), built(C, A, train.PipelineRunning)}},
			nil},
		{"43 two merges immediately in a row are both known",
			train.Snapshot{TargetSHA: "s3", Cars: []train.Car{skipMerged(A, head, "s2"), skipMerged(B, "s2", "s3"), built(C, 0, train.PipelineRunning)}},
			nil},
		{"43 a car behind a skip_merged car merges onto the moved target",
			train.Snapshot{TargetSHA: "s1", Cars: []train.Car{skipMerged(A, head, "s1"), built(B, 0, train.PipelineSuccess), built(C, B, train.PipelineSuccess)}},
			[]train.Action{train.Merge{Car: B, From: "s1", Onto: true}}},
		{"43 a car merged outside the train a moment ago is a known push already",
			train.Snapshot{TargetSHA: "s2", Cars: []train.Car{built(A, 0, train.PipelineRunning), with(built(B, A, train.PipelineRunning), func(c *train.Car) {
				c.MergeRequest.State, c.MergeFrom, c.MergeSHA = train.MergeRequestMerged, head, "s2"
			}), built(C, A, train.PipelineRunning)}},
			[]train.Action{train.SkipMerged{Car: B, Cancel: 20}}},
		{"43 a skip_merged car the project does not keep pipelines over is a push from outside",
			train.Snapshot{TargetSHA: "s1", Cars: []train.Car{{ID: A, State: train.StateSkipMerged}, built(B, 0, train.PipelineRunning)}},
			[]train.Action{rebuild(B, 0)}},
		{"43 a known push does not excuse a base that never landed",
			train.Snapshot{TargetSHA: "s1", Cars: []train.Car{skipMerged(9, head, "s1"), built(10, 7, train.PipelineRunning)}},
			[]train.Action{rebuild(10, 0)}}, // car 7 was removed without merging
		{"43 cars built on a car merged outside the train keep their pipelines",
			train.Snapshot{TargetSHA: "s1", Cars: []train.Car{
				with(skipMerged(A, head, "s1"), func(c *train.Car) {
					c.Pipeline = &train.Pipeline{ID: 10, SHA: sha(A), BaseSHA: head, Status: train.PipelineCanceled}
				}),
				built(B, A, train.PipelineRunning), built(C, B, train.PipelineRunning)}},
			nil},

		// Status checks: a car never merges before they pass.
		{"checks pending: the ready head waits",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineSuccess), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksPending }), built(B, A, train.PipelineSuccess)}},
			nil},
		{"checks failed: the ready head is dropped and the train rebuilt",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineSuccess), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksFailed }), built(B, A, train.PipelineRunning)}},
			[]train.Action{drop(A, train.ReasonStatusChecksFailed), rebuild(B, 0)}},
		{"checks failed on a car still building: it keeps its place for a retry",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksFailed })}},
			nil},

		// Status checks that follow the train: asked about each car's commit,
		// judged with its pipeline.
		{"car checks pending: a car whose pipeline passed waits, and so do the cars behind",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{carChecks(built(A, 0, train.PipelineSuccess), train.CarChecksPending), carChecks(built(B, A, train.PipelineSuccess), train.CarChecksPassed)}},
			nil},
		{"car checks passed: the car merges",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{carChecks(built(A, 0, train.PipelineSuccess), train.CarChecksPassed)}},
			[]train.Action{merge(A, 0)}},
		{"car checks failed: the car is dropped with its own reason, its running pipeline cancelled, the train rebuilt",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{carChecks(built(A, 0, train.PipelineRunning), train.CarChecksFailed), built(B, A, train.PipelineRunning)}},
			[]train.Action{dropRunning(A, train.ReasonCarChecksFailed), rebuild(B, 0)}},
		{"car checks failed behind a car still running: held, as a pipeline failure is",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), carChecks(built(B, A, train.PipelineSuccess), train.CarChecksFailed), idle(C)}},
			[]train.Action{train.Build{Car: C, On: A}}},
		{"car checks failed behind a car whose own checks are pending: held",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{carChecks(built(A, 0, train.PipelineSuccess), train.CarChecksPending), carChecks(built(B, A, train.PipelineSuccess), train.CarChecksFailed)}},
			nil},
		{"car checks failed under GitLab attribution: dropped at once",
			train.Snapshot{TargetSHA: head, Attribution: train.AttributeGitLab, Cars: []train.Car{built(A, 0, train.PipelineRunning), carChecks(built(B, A, train.PipelineSuccess), train.CarChecksFailed)}},
			[]train.Action{drop(B, train.ReasonCarChecksFailed)}},

		// Conflicts found while building, and whose fault they are.
		{"conflict on the target drops the first car with its paths",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{conflict(idle(A), head), idle(B)}},
			[]train.Action{train.Drop{Car: A, Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"go.mod"}}}, train.Build{Car: B, On: 0}}},
		{"conflict with a running car ahead is held; the car behind builds without it",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), conflict(idle(B), sha(A)), idle(C)}},
			[]train.Action{train.Build{Car: C, On: A}}},
		{"gitlab: conflict with a running car ahead drops the car",
			gitlab(train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), conflict(idle(B), sha(A)), idle(C)}}),
			[]train.Action{train.Drop{Car: B, Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"go.mod"}}}, train.Build{Car: C, On: A}}},
		{"conflict with a car ahead that passed is the car's own",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{with(built(A, 0, train.PipelineSuccess), func(c *train.Car) { c.MergeRequest.Checks = train.ChecksPending }), conflict(idle(B), sha(A))}},
			[]train.Action{train.Drop{Car: B, Cause: train.Cause{Reason: train.ReasonConflict, Paths: []string{"go.mod"}}}}},
		{"conflict with a car that left: tried again on the new base",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{conflict(idle(B), sha(A))}},
			[]train.Action{train.Build{Car: B, On: 0}}},
		{"a pipeline that could not be created drops the car",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{built(A, 0, train.PipelineRunning), with(idle(B), func(c *train.Car) {
				c.Failure = &train.Failure{Cause: train.Cause{Reason: train.ReasonPipelineNotCreated, Detail: "no"}, BaseSHA: sha(A)}
			})}},
			[]train.Action{train.Drop{Car: B, Cause: train.Cause{Reason: train.ReasonPipelineNotCreated, Detail: "no"}}}},

		// Repairs.
		{"a refresh that stopped after rebuilding the car ahead is repaired",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{
				with(built(A, 0, train.PipelineRunning), func(c *train.Car) { c.Pipeline.SHA = "c1-rebuilt" }),
				built(B, A, train.PipelineSuccess)}},
			[]train.Action{train.Build{Car: B, On: A}}},
		{"fresh car without a pipeline is built",
			train.Snapshot{TargetSHA: head, Cars: []train.Car{{ID: A, State: train.StateFresh, MergeRequest: ready()}}},
			[]train.Action{train.Build{Car: A, On: 0}}},
		{"a merging car whose target moved is finished (its caller reverts it)",
			train.Snapshot{TargetSHA: "x1", Cars: []train.Car{merging(A, 0), built(B, A, train.PipelineSuccess)}},
			[]train.Action{finish(A)}},

		// Project settings and the target branch.
		{"trains disabled: active cars dropped, a merging car still finishes",
			train.Snapshot{TargetSHA: head, TrainsDisabled: true, Cars: []train.Car{merging(A, 0), built(B, A, train.PipelineRunning), idle(C)}},
			[]train.Action{finish(A), dropRunning(B, train.ReasonTrainsDisabled), drop(C, train.ReasonTrainsDisabled)}},
		{"missing target branch: the previous ref does not exist",
			train.Snapshot{Cars: []train.Car{built(A, 0, train.PipelineRunning), idle(B)}},
			[]train.Action{dropRunning(A, train.ReasonPreviousRefMissing), drop(B, train.ReasonPreviousRefMissing)}},
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
		{"failure without a reason", train.Snapshot{Cars: []train.Car{with(idle(1), func(c *train.Car) { c.Failure = &train.Failure{} })}}, "failure with Reason(0)"},
		{"unknown attribution", train.Snapshot{Attribution: 7, Cars: []train.Car{idle(1)}}, "attribution Attribution(7)"},
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
		{rebuild(2, 1), "build car 2 on car 1 (cancel pipeline 20)"},
		{drop(3, train.ReasonDraft), "drop car 3: merge_request_draft"},
		{train.SkipMerged{Car: 5}, "car 5 was merged outside the train"},
		{merge(4, 0), "merge car 4 (t0 -> c4)"},
		{train.Merge{Car: 4, Onto: true}, "merge car 4 onto the moved target"},
		{finish(4), "finish merging car 4"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.action.String())
			require.NotZero(t, tt.action.CarID())
		})
	}
}
