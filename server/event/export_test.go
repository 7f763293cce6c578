package event

import "context"

// WrapFanOut puts wrap around r's fan-out, for tests that break it.
func WrapFanOut(r *Redis, wrap func(ctx context.Context, e Event, next func(context.Context, Event))) {
	next := r.fanOut
	r.fanOut = func(ctx context.Context, e Event) { wrap(ctx, e, next) }
}

// QueueSize is how many events wait for the sender before Publish waits.
const QueueSize = queueSize
