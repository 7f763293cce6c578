package loop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// ErrPanicked wraps the error Guard returns for a unit that panicked.
var ErrPanicked = errors.New("background work panicked")

// Guard runs one unit of background work (one loop iteration, one train,
// one delivery attempt, one event) so that a panic stops that unit alone
// and never the process: the panic is logged at Error level with its value
// and stack, under logger (give it the unit's attributes with
// logger.With), and comes back as an error wrapping ErrPanicked, for the
// caller to treat as a failed unit and go on with the others. Any other
// error fn returns comes back unchanged.
//
// Guard covers fn's own goroutine only; a goroutine fn starts needs a
// Guard of its own.
func Guard(ctx context.Context, logger *slog.Logger, fn func() error) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		logger.ErrorContext(ctx, "background work panicked; going on with the rest",
			"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		err = fmt.Errorf("%w: %v", ErrPanicked, r)
	}()
	return fn()
}
