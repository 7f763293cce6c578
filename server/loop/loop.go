// Package loop runs background work: a function called at an interval and
// whenever it is nudged, until its context ends. Every loop in Signalbox
// (expiry sweeper, delivery worker, train refresher) is written so that any
// number of replicas can run it at once; the loop itself only paces it.
package loop

import (
	"context"
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
// ctx ends. An error is logged and the loop goes on; work is expected to be
// safe to repeat. A nil nudge is never woken.
func Run(ctx context.Context, name string, interval time.Duration, nudge Nudge, logger *slog.Logger, work func(context.Context) error) {
	logger = logger.With("loop", name)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := work(ctx); err != nil && ctx.Err() == nil {
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
