package train

import (
	"errors"
	"fmt"
)

// ErrIllegalTransition means an event is not allowed from a car's state.
// Every *TransitionError matches it with errors.Is.
var ErrIllegalTransition = errors.New("train: illegal car state transition")

// ErrInvalidSnapshot means Schedule was given a train it cannot reason about
// (cars out of order, unknown states, a merging car behind an active one).
// It points at a bug in whoever built the snapshot, not at a user error.
var ErrInvalidSnapshot = errors.New("train: invalid snapshot")

// TransitionError says which event was refused from which state.
type TransitionError struct {
	Event Event
	From  State
}

// Error implements error.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("train: cannot %s a %s car", e.Event, e.From)
}

// Unwrap makes the error match ErrIllegalTransition.
func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSnapshot}, args...)...)
}
