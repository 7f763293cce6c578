package delivery

import (
	"math/rand/v2"
	"time"
)

// Defaults of a [Backoff]. A check is pending for 2 minutes by default, so
// the schedule is seconds, not the hours of Standard Webhooks' schedule: the
// check, not the delivery, owns the timeout.
const (
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = 30 * time.Second
)

// Backoff is the retry schedule: exponential with full jitter, bounded by the
// check's pending deadline. The zero value uses the defaults and the
// process-wide random source.
type Backoff struct {
	// Base is the largest delay before the second attempt; each further
	// attempt doubles it. Zero means [DefaultBackoffBase].
	Base time.Duration
	// Max caps the doubling. Zero means [DefaultBackoffMax].
	Max time.Duration
	// MaxAttempts is the most attempts, the first included. Zero means no
	// limit other than the deadline.
	MaxAttempts int
	// Rand returns a uniform random number in [0, n). Inject a seeded source
	// for deterministic tests; nil means [rand.Int64N].
	Rand func(n int64) int64
}

// Next returns when to make the next attempt, after attempts attempts (at
// least 1) of which the last ended at now, or false when there should be no
// more: MaxAttempts is reached, or no attempt fits before deadline.
//
// The delay is drawn uniformly from (0, min(Max, Base·2^(attempts-1))], with
// the window further shortened to the time left before deadline, so that a
// check close to its deadline still gets one last, early attempt rather than
// none. When the receiver asked for a delay with Retry-After, the attempt is
// never earlier than now+retryAfter; if that is past the deadline there is no
// next attempt. A zero deadline means none.
func (b Backoff) Next(attempts int, now, deadline time.Time, retryAfter time.Duration) (time.Time, bool) {
	if attempts < 1 {
		attempts = 1
	}
	if b.MaxAttempts > 0 && attempts >= b.MaxAttempts {
		return time.Time{}, false
	}
	window := b.ceiling(attempts)
	if !deadline.IsZero() {
		left := deadline.Sub(now)
		if left <= 0 {
			return time.Time{}, false
		}
		window = min(window, left)
	}
	delay := time.Duration(b.random(int64(window))) + 1 // (0, window]
	delay = max(delay, retryAfter)
	at := now.Add(delay)
	if !deadline.IsZero() && at.After(deadline) {
		return time.Time{}, false
	}
	return at, true
}

// ceiling is min(Max, Base·2^(attempts-1)), without overflowing.
func (b Backoff) ceiling(attempts int) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if limit <= 0 {
		limit = DefaultBackoffMax
	}
	d := min(base, limit)
	for i := 1; i < attempts && d < limit; i++ {
		if d > limit/2 {
			return limit
		}
		d *= 2
	}
	return d
}

func (b Backoff) random(n int64) int64 {
	if b.Rand != nil {
		return b.Rand(n)
	}
	return rand.Int64N(n)
}
