package train

import "fmt"

// Action is one step of the plan Schedule returns: a Build, Drop,
// SkipMerged, Merge or FinishMerge. Each action is complete in itself (a
// rebuild cancels the pipeline it replaces, a merge both starts and lands),
// so a caller may apply the first action of a plan, store the result, and
// plan again from what it then reads; or apply the whole plan in order, as
// the simulator does. Either way, whatever the caller learns while applying
// an action (a conflict, a moved target) goes into the next snapshot.
type Action interface {
	// CarID is the car the action is about.
	CarID() int64
	// String describes the action for logs.
	String() string
	isAction()
}

// Build gives a car a new train commit and pipeline.
//
// The caller first cancels pipeline Cancel when it is not 0 (the car's
// running pipeline, which tests what no longer lands), and marks the car
// stale while it works, so a rebuild shows. It merges the car's MR head onto
// the base: the train commit of car On as it is now, or the head of the
// target branch when On is 0 (honouring merge_method and squash). It points
// refs/merge-requests/<iid>/train at the new commit, creates a pipeline for
// it, and records the pipeline on the car (Pipeline{SHA, BaseCar: On,
// BaseSHA: the commit it built on}) with State.RefreshPipeline (fresh). A
// conflict is recorded as the car's Failure (ReasonConflict on that base),
// for the scheduler to decide whose fault it is; a missing base or a
// pipeline that cannot be created drops the car.
type Build struct {
	Car int64
	// On is the car whose train commit is the base, or 0 for the target
	// branch.
	On int64
	// Cancel is the car's pipeline to cancel first, or 0.
	Cancel int64
}

// CarID implements Action.
func (a Build) CarID() int64 { return a.Car }

// String implements Action.
func (a Build) String() string {
	s := fmt.Sprintf("build car %d on car %d", a.Car, a.On)
	if a.On == 0 {
		s = fmt.Sprintf("build car %d on the target branch", a.Car)
	}
	if a.Cancel != 0 {
		s += fmt.Sprintf(" (cancel pipeline %d)", a.Cancel)
	}
	return s
}

func (Build) isAction() {}

// Drop removes a car from the train without merging it. The caller cancels
// pipeline Cancel when it is not 0, deletes the car's train ref, turns the
// MR's auto-merge off and writes Cause.Note as a system note, exactly once.
// The cars behind it are rebuilt by later plans.
type Drop struct {
	Car   int64
	Cause Cause
	// Cancel is the car's pipeline to cancel, or 0.
	Cancel int64
}

// CarID implements Action.
func (a Drop) CarID() int64 { return a.Car }

// String implements Action.
func (a Drop) String() string { return fmt.Sprintf("drop car %d: %s", a.Car, a.Cause) }

func (Drop) isAction() {}

// SkipMerged records that the car's MR was merged outside the train ("merge
// immediately"): the car becomes skip_merged, history only. Its MergeSHA is
// the MR's landed commit when the project lets trains keep their pipelines
// over such a merge (the push is then known), or empty (the push is then
// unknown, and the train is rebuilt on it). Cancel is the car's pipeline to
// cancel, or 0.
type SkipMerged struct {
	Car    int64
	Cancel int64
}

// CarID implements Action.
func (a SkipMerged) CarID() int64 { return a.Car }

// String implements Action.
func (a SkipMerged) String() string { return fmt.Sprintf("car %d was merged outside the train", a.Car) }

func (SkipMerged) isAction() {}

// Merge lands a car whose pipeline passed and that is first in line. The
// caller records the landing on the car before it touches the target
// (State.StartMerge, merging, with the commit it lands and the head it
// lands on), then moves the target with a compare-and-swap, marks the MR
// merged and records State.FinishMerge (merged). What lands:
//   - Onto false: SHA, the tested train commit, by fast-forward from From;
//   - Onto true: the target moved by known pushes since the car was built
//     (merges outside the train that the project lets the train keep its
//     pipelines over), so the MR is merged onto the current head the
//     ordinary way, as GitLab does then.
//
// A target that moved otherwise, or a MR that changed meanwhile, stops the
// merge before the target moves; the car is then rebuilt or dropped by the
// next plan, never merged untested.
//
// Through, for StrategyBatched, lists the chain cars that land together, in
// chain order, ending with Car: SHA, Car's tested commit, contains them all,
// so the target moves once and each of their MRs is merged.
type Merge struct {
	Car     int64
	SHA     string
	From    string
	Onto    bool
	Through []int64
}

// CarID implements Action.
func (a Merge) CarID() int64 { return a.Car }

// String implements Action.
func (a Merge) String() string {
	if len(a.Through) > 1 {
		return fmt.Sprintf("merge cars %v (%s -> %s)", a.Through, a.From, a.SHA)
	}
	if a.Onto {
		return fmt.Sprintf("merge car %d onto the moved target", a.Car)
	}
	return fmt.Sprintf("merge car %d (%s -> %s)", a.Car, a.From, a.SHA)
}

func (Merge) isAction() {}

// FinishMerge lands a car found merging (its landing was recorded, then the
// refresh stopped: a crash, a lost lease). The caller reads the landing
// recorded on the car and makes it true exactly once:
//   - the target already contains it: it landed; record merged;
//   - the target is where the landing starts from: move it (compare-and-swap)
//     and record merged;
//   - otherwise the target moved meanwhile: the landing is void; the car goes
//     back to stale (State.RevertMerge) and the next plan rebuilds it.
type FinishMerge struct {
	Car int64
}

// CarID implements Action.
func (a FinishMerge) CarID() int64 { return a.Car }

// String implements Action.
func (a FinishMerge) String() string { return fmt.Sprintf("finish merging car %d", a.Car) }

func (FinishMerge) isAction() {}

// Chain gives a car of the batched chain a new train commit, its merge
// request merged onto the train commit of car On (the target head when On is
// 0), without a pipeline: only the car that ends a batch is tested (Test).
// The caller cancels pipeline Cancel first when it is not 0, then builds and
// records it as Build does (Pipeline{ID: 0, SHA, BaseCar: On, BaseSHA}).
type Chain struct {
	Car    int64
	On     int64
	Cancel int64
}

// CarID implements Action.
func (a Chain) CarID() int64 { return a.Car }

// String implements Action.
func (a Chain) String() string {
	s := fmt.Sprintf("chain car %d on car %d", a.Car, a.On)
	if a.On == 0 {
		s = fmt.Sprintf("chain car %d on the target branch", a.Car)
	}
	if a.Cancel != 0 {
		s += fmt.Sprintf(" (cancel pipeline %d)", a.Cancel)
	}
	return s
}

func (Chain) isAction() {}

// Test creates the pipeline of a batch: one pipeline on the train commit of
// the car that ends it, which contains every car ahead of it in the chain.
// The caller records the pipeline's id on the car; the commit stays.
type Test struct {
	Car int64
}

// CarID implements Action.
func (a Test) CarID() int64 { return a.Car }

// String implements Action.
func (a Test) String() string { return fmt.Sprintf("test the batch ending at car %d", a.Car) }

func (Test) isAction() {}

// Screen tests a pending car alone: its merge request merged onto the head
// of the target branch, at a screen ref, with its own pipeline, recorded as
// the car's Screen. The caller cancels pipeline Cancel first when it is not
// 0. A conflict is recorded as the car's Failure on that head.
type Screen struct {
	Car    int64
	Cancel int64
}

// CarID implements Action.
func (a Screen) CarID() int64 { return a.Car }

// String implements Action.
func (a Screen) String() string { return fmt.Sprintf("screen car %d alone on the target", a.Car) }

func (Screen) isAction() {}

// Admit puts a pending car at the back of the batched chain: the caller sets
// its Seq to one more than any car's, clears its Suspect mark and forgets
// its finished screen (deleting the screen ref).
type Admit struct {
	Car int64
}

// CarID implements Action.
func (a Admit) CarID() int64 { return a.Car }

// String implements Action.
func (a Admit) String() string { return fmt.Sprintf("admit car %d to the chain", a.Car) }

func (Admit) isAction() {}

// Expel takes a car out of the chain, or a pending car's failed screen
// away, to be tested again: its Seq becomes 0, its pipeline and screen are
// forgotten (Cancel, when not 0, is cancelled first), it is marked Suspect,
// and with Blame its Failures grows by one (a flake retry).
type Expel struct {
	Car    int64
	Cancel int64
	Blame  bool
}

// CarID implements Action.
func (a Expel) CarID() int64 { return a.Car }

// String implements Action.
func (a Expel) String() string {
	if a.Blame {
		return fmt.Sprintf("expel car %d to test it again (a retry)", a.Car)
	}
	return fmt.Sprintf("expel car %d from the chain", a.Car)
}

func (Expel) isAction() {}

// Split breaks up a batch whose test failed: each of Cars leaves the chain
// (Seq 0, its train commit forgotten), marked Suspect, to be screened alone
// and rejoin the chain at the back.
type Split struct {
	Cars []int64
}

// CarID implements Action: the car that ended the batch.
func (a Split) CarID() int64 { return a.Cars[len(a.Cars)-1] }

// String implements Action.
func (a Split) String() string { return fmt.Sprintf("split the batch of cars %v", a.Cars) }

func (Split) isAction() {}
