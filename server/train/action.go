package train

import "fmt"

// Action is one step of the plan Schedule returns: a Build, CancelPipeline,
// Drop, StartMerge or FinishMerge. The caller switches on the type, applies
// the steps in order, and stops at the first that fails (later steps assume
// the earlier ones happened); whatever it learned then goes into the next
// snapshot, usually as Car.Abort.
type Action interface {
	// CarID is the car the action is about.
	CarID() int64
	// String describes the action for logs.
	String() string
	isAction()
}

// Build gives a car a new train commit and pipeline.
//
// The caller merges the car's MR head onto the base (git merge-tree, then
// commit-tree honouring merge_method and squash): the train commit of car On
// as it is now, after any earlier step of this plan rebuilt it, or the head
// of the target branch when On is 0. It points
// refs/merge-requests/<iid>/train at the new commit, creates a pipeline for
// it, and records the pipeline on the car (Pipeline{SHA, BaseCar: On,
// BaseSHA: the commit it built on}) with the state from
// State.RefreshPipeline (fresh). A conflict, a missing base ref or a pipeline
// that cannot be created means: set Car.Abort (ReasonConflict with the paths,
// ReasonPreviousRefMissing, ReasonPipelineNotCreated), stop, and refresh.
type Build struct {
	Car int64
	// On is the car whose train commit is the base, or 0 for the target
	// branch.
	On int64
}

// CarID implements Action.
func (a Build) CarID() int64 { return a.Car }

// String implements Action.
func (a Build) String() string {
	if a.On == 0 {
		return fmt.Sprintf("build car %d on the target branch", a.Car)
	}
	return fmt.Sprintf("build car %d on car %d", a.Car, a.On)
}

func (Build) isAction() {}

// CancelPipeline cancels a car's pipeline that has not finished, because the
// car is rebuilt (a Build follows) or dropped (a Drop follows). Cancelling a
// pipeline that finished meanwhile is not an error.
type CancelPipeline struct {
	Car      int64
	Pipeline int64
}

// CarID implements Action.
func (a CancelPipeline) CarID() int64 { return a.Car }

// String implements Action.
func (a CancelPipeline) String() string {
	return fmt.Sprintf("cancel pipeline %d of car %d", a.Pipeline, a.Car)
}

func (CancelPipeline) isAction() {}

// Drop removes a car from the train without merging it. The caller deletes
// the car's train ref, turns the MR's auto-merge off, writes Cause.Note as a
// system note, keeps the cause readable through the API, and deletes the car
// (GitLab hard-deletes it). Any pipeline was cancelled by an earlier step.
// The cars behind it are already rebuilt by later steps of the same plan.
type Drop struct {
	Car   int64
	Cause Cause
}

// CarID implements Action.
func (a Drop) CarID() int64 { return a.Car }

// String implements Action.
func (a Drop) String() string { return fmt.Sprintf("drop car %d: %s", a.Car, a.Cause) }

func (Drop) isAction() {}

// StartMerge records that the car will merge: State.StartMerge (merging),
// durably, before anything touches the target branch, and locks the MR
// against changes. It is always followed by a FinishMerge for the same car.
type StartMerge struct {
	Car int64
}

// CarID implements Action.
func (a StartMerge) CarID() int64 { return a.Car }

// String implements Action.
func (a StartMerge) String() string { return fmt.Sprintf("start merging car %d", a.Car) }

func (StartMerge) isAction() {}

// FinishMerge lands a merging car, exactly once. The caller makes the target
// branch contain SHA, the tested train commit:
//   - if the target already contains SHA, an earlier attempt landed (a crash
//     or lost reply after the push): change nothing;
//   - if the target is at From, move it to SHA with a compare-and-swap, so
//     what lands is exactly what was tested;
//   - otherwise the target moved since the car was built by a known push (a
//     merge-immediately): merge the MR onto it the ordinary way, as GitLab
//     does, or refuse.
//
// Then it records State.FinishMerge (merged), merged_at, the duration and
// Car.MergeSHA (the new target head), marks the MR merged, and deletes the
// train ref; a failure to delete the ref is logged, not fatal. A refused or
// failed update of the target means: set Car.Abort (ReasonMergeFailed with
// the error), stop, and refresh; the car is then dropped and the cars behind
// rebuilt.
type FinishMerge struct {
	Car int64
	// SHA is the car's tested train commit.
	SHA string
	// From is the commit SHA was built on: where the target must be for a
	// fast-forward.
	From string
}

// CarID implements Action.
func (a FinishMerge) CarID() int64 { return a.Car }

// String implements Action.
func (a FinishMerge) String() string {
	return fmt.Sprintf("finish merging car %d (%s -> %s)", a.Car, a.From, a.SHA)
}

func (FinishMerge) isAction() {}
