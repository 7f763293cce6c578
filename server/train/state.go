package train

import (
	"fmt"
	"strconv"
)

// State is where a car is in its life. The numeric values are GitLab's
// (merge_trains.status), so stored values and API names line up with it.
type State int

// The states of a car.
const (
	// StateIdle: on the train, no pipeline yet (new, or queued beyond the
	// concurrency limit).
	StateIdle State = 0
	// StateMerged: merged by the train. History only.
	StateMerged State = 1
	// StateStale: had a pipeline, but the commit it tested is no longer the
	// one that would land; it needs a new pipeline.
	StateStale State = 2
	// StateFresh: has a pipeline on the currently valid train commit.
	StateFresh State = 3
	// StateMerging: the merge was decided and may be under way. Only
	// finishing it, or dropping it after a recorded failure, leaves this
	// state, so a crash mid-merge never merges twice nor loses the car.
	StateMerging State = 4
	// StateSkipMerged: an MR merged immediately, bypassing the train. History
	// only; it marks the target push as known so the train is not rebuilt.
	StateSkipMerged State = 5
)

// String returns GitLab's name for the state, the one the API shows.
func (s State) String() string {
	switch s {
	case StateIdle:
		return "idle"
	case StateMerged:
		return "merged"
	case StateStale:
		return "stale"
	case StateFresh:
		return "fresh"
	case StateMerging:
		return "merging"
	case StateSkipMerged:
		return "skip_merged"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// ParseState returns the state with GitLab's name name.
func ParseState(name string) (State, error) {
	for s := StateIdle; s <= StateSkipMerged; s++ {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("train: unknown car state %q", name)
}

// Valid reports whether s is one of the six states.
func (s State) Valid() bool { return s >= StateIdle && s <= StateSkipMerged }

// Active reports whether the car still waits to merge: idle, stale or fresh
// (GitLab's scope=active).
func (s State) Active() bool { return s == StateIdle || s == StateStale || s == StateFresh }

// Complete reports whether the car is done with the train: merged, merging or
// skip_merged. Merging counts as complete, as in GitLab's scope=complete.
func (s State) Complete() bool {
	return s == StateMerged || s == StateMerging || s == StateSkipMerged
}

// Refreshable reports whether a refresh looks at the car: the active states
// plus merging, whose merge may still have to be finished.
func (s State) Refreshable() bool { return s.Active() || s == StateMerging }

// ActiveStates returns the states of GitLab's scope=active, in value order.
func ActiveStates() []State { return []State{StateIdle, StateStale, StateFresh} }

// CompleteStates returns the states of GitLab's scope=complete, in value order.
func CompleteStates() []State { return []State{StateMerged, StateMerging, StateSkipMerged} }

// Event is a transition of the car state machine.
type Event int

// The events of the car state machine, named as in GitLab.
const (
	// EventRefreshPipeline: the car got a new pipeline (idle|stale|fresh ->
	// fresh).
	EventRefreshPipeline Event = iota + 1
	// EventOutdatePipeline: the car's pipeline no longer tests what would
	// land (fresh -> stale; a no-op from idle or stale).
	EventOutdatePipeline
	// EventStartMerge: the merge is decided (fresh -> merging).
	EventStartMerge
	// EventFinishMerge: the merge landed (merging -> merged).
	EventFinishMerge
	// EventRevertMerge: the merge could not land as recorded (the target
	// moved meanwhile) and never touched the target (merging -> stale), so
	// the car is rebuilt rather than ejected. Signalbox's, not GitLab's.
	EventRevertMerge
)

// String returns GitLab's name for the event.
func (e Event) String() string {
	switch e {
	case EventRefreshPipeline:
		return "refresh_pipeline"
	case EventOutdatePipeline:
		return "outdate_pipeline"
	case EventStartMerge:
		return "start_merge"
	case EventFinishMerge:
		return "finish_merge"
	case EventRevertMerge:
		return "revert_merge"
	}
	return "Event(" + strconv.Itoa(int(e)) + ")"
}

// Apply returns the state after event e, or a *TransitionError (matching
// ErrIllegalTransition) when e is not allowed from s.
func (s State) Apply(e Event) (State, error) {
	switch e {
	case EventRefreshPipeline:
		if s.Active() {
			return StateFresh, nil
		}
	case EventOutdatePipeline:
		switch s {
		case StateFresh:
			return StateStale, nil
		case StateIdle, StateStale:
			return s, nil // GitLab: nothing to outdate
		}
	case EventStartMerge:
		if s == StateFresh {
			return StateMerging, nil
		}
	case EventFinishMerge:
		if s == StateMerging {
			return StateMerged, nil
		}
	case EventRevertMerge:
		if s == StateMerging {
			return StateStale, nil
		}
	}
	return s, &TransitionError{Event: e, From: s}
}

// RefreshPipeline is s.Apply(EventRefreshPipeline): idle, stale or fresh
// becomes fresh.
func (s State) RefreshPipeline() (State, error) { return s.Apply(EventRefreshPipeline) }

// OutdatePipeline is s.Apply(EventOutdatePipeline): fresh becomes stale; idle
// and stale stay as they are.
func (s State) OutdatePipeline() (State, error) { return s.Apply(EventOutdatePipeline) }

// StartMerge is s.Apply(EventStartMerge): fresh becomes merging.
func (s State) StartMerge() (State, error) { return s.Apply(EventStartMerge) }

// FinishMerge is s.Apply(EventFinishMerge): merging becomes merged.
func (s State) FinishMerge() (State, error) { return s.Apply(EventFinishMerge) }

// RevertMerge is s.Apply(EventRevertMerge): merging becomes stale.
func (s State) RevertMerge() (State, error) { return s.Apply(EventRevertMerge) }
