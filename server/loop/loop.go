// Package loop runs background work: a function called at an interval and
// whenever it is nudged, until its context ends. Every loop in Signalbox
// (expiry sweeper, delivery worker, train refresher) is written so that any
// number of replicas can run it at once; the loop itself only paces it.
//
// No panic in background work may take the process down, since the same
// work would panic again after every restart: Run guards each iteration,
// and work made of independent units (trains, deliveries, deadlines,
// events) runs each unit under Guard, so one bad unit stops only itself.
package loop

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Nudge wakes a loop early, without blocking and without piling up.
type Nudge chan struct{}

// NewNudge returns a nudge channel.
func NewNudge() Nudge { return make(Nudge, 1) }

// Wake asks the loop to run now.
func (n Nudge) Wake() {
	select {
	case n <- struct{}{}:
	default:
	}
}

// Run calls work at once, then every interval and after every nudge, until
// ctx ends. An error or a panic (see Guard) is logged and the loop goes on;
// work is expected to be safe to repeat. A nil nudge is never woken.
func Run(ctx context.Context, name string, interval time.Duration, nudge Nudge, logger *slog.Logger, work func(context.Context) error) {
	logger = logger.With("loop", name)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		err := Guard(ctx, logger, func() error { return work(ctx) })
		if err != nil && ctx.Err() == nil && !errors.Is(err, ErrPanicked) { // Guard logged a panic
			logger.WarnContext(ctx, "background work failed; will retry", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-nudge:
		}
	}
}
