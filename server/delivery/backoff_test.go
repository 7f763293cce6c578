package delivery_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/delivery"
)

func seeded(seed uint64) func(int64) int64 {
	return rand.New(rand.NewPCG(seed, seed^0x5eed)).Int64N
}

// highest always draws the top of the jitter window.
func highest(n int64) int64 { return n - 1 }

func TestBackoffGrowsExponentiallyToTheCap(t *testing.T) {
	t.Parallel()
	b := delivery.Backoff{Rand: highest}
	now := fixedNow
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i, w := range want {
		at, ok := b.Next(i+1, now, time.Time{}, 0)
		require.True(t, ok)
		require.Equal(t, w*time.Second, at.Sub(now), "after attempt %d", i+1)
	}
	at, ok := b.Next(1_000_000, now, time.Time{}, 0)
	require.True(t, ok)
	require.Equal(t, 30*time.Second, at.Sub(now), "no overflow however many attempts")
}

func TestBackoffFullJitterIsDeterministicAndBounded(t *testing.T) {
	t.Parallel()
	b := delivery.Backoff{Base: time.Second, Max: 30 * time.Second}
	for attempt := 1; attempt <= 10; attempt++ {
		b.Rand = seeded(7)
		first, ok := b.Next(attempt, fixedNow, time.Time{}, 0)
		require.True(t, ok)
		b.Rand = seeded(7)
		again, _ := b.Next(attempt, fixedNow, time.Time{}, 0)
		require.Equal(t, first, again, "the same source gives the same schedule")

		ceiling := min(30*time.Second, time.Second<<(attempt-1))
		delay := first.Sub(fixedNow)
		require.Greater(t, delay, time.Duration(0))
		require.LessOrEqual(t, delay, ceiling)
	}
	// Jitter spreads the delays: many draws are not all the same.
	b.Rand = seeded(1)
	seen := map[time.Duration]bool{}
	for range 20 {
		at, _ := b.Next(5, fixedNow, time.Time{}, 0)
		seen[at.Sub(fixedNow)] = true
	}
	require.Greater(t, len(seen), 10)
}

func TestBackoffNeverPassesTheDeadline(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		b := delivery.Backoff{Rand: seeded(seed)}
		rng := rand.New(rand.NewPCG(seed, 1))
		deadline := fixedNow.Add(2 * time.Minute)
		now := fixedNow
		attempts := 0
		for {
			attempts++
			retryAfter := time.Duration(0)
			if rng.IntN(4) == 0 {
				retryAfter = time.Duration(rng.Int64N(int64(90 * time.Second)))
			}
			at, ok := b.Next(attempts, now, deadline, retryAfter)
			if !ok {
				break
			}
			require.False(t, at.After(deadline), "seed %d attempt %d", seed, attempts)
			require.True(t, at.After(now))
			require.False(t, at.Before(now.Add(retryAfter)), "Retry-After must be honoured")
			// The attempt itself takes a while.
			now = at.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
		}
		require.Less(t, attempts, 1000, "the schedule must end")
	}
}

func TestBackoffShortensTheWindowNearTheDeadline(t *testing.T) {
	t.Parallel()
	b := delivery.Backoff{Rand: highest}
	deadline := fixedNow.Add(3 * time.Second)
	at, ok := b.Next(8, fixedNow, deadline, 0)
	require.True(t, ok, "a last attempt still fits before the deadline")
	require.Equal(t, deadline, at)

	_, ok = b.Next(1, deadline, deadline, 0)
	require.False(t, ok, "nothing fits at the deadline")
	_, ok = b.Next(1, deadline.Add(time.Second), deadline, 0)
	require.False(t, ok, "nothing fits after the deadline")
}

func TestBackoffRetryAfter(t *testing.T) {
	t.Parallel()
	b := delivery.Backoff{Rand: func(int64) int64 { return 0 }}
	deadline := fixedNow.Add(2 * time.Minute)

	at, ok := b.Next(1, fixedNow, deadline, 20*time.Second)
	require.True(t, ok)
	require.Equal(t, fixedNow.Add(20*time.Second), at, "Retry-After beats a shorter backoff")

	_, ok = b.Next(1, fixedNow, deadline, 3*time.Minute)
	require.False(t, ok, "a Retry-After past the deadline ends the deliveries")

	at, ok = delivery.Backoff{Rand: highest}.Next(6, fixedNow, time.Time{}, time.Second)
	require.True(t, ok)
	require.Equal(t, fixedNow.Add(30*time.Second), at, "a shorter Retry-After does not bring the attempt forward")
}

func TestBackoffMaxAttempts(t *testing.T) {
	t.Parallel()
	b := delivery.Backoff{MaxAttempts: 3, Rand: seeded(3)}
	_, ok := b.Next(2, fixedNow, time.Time{}, 0)
	require.True(t, ok)
	_, ok = b.Next(3, fixedNow, time.Time{}, 0)
	require.False(t, ok)
}
