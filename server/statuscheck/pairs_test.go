package statuscheck

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyedMutexExcludesPerKeyAndForgetsIdleKeys(t *testing.T) {
	t.Parallel()
	var k keyedMutex
	ctx := t.Context()
	var mu sync.Mutex
	inside := map[string]int{}
	var wg sync.WaitGroup
	for i := range 40 {
		key := []string{"a", "b"}[i%2]
		wg.Go(func() {
			unlock, err := k.lock(ctx, key)
			require.NoError(t, err)
			mu.Lock()
			inside[key]++
			require.Equal(t, 1, inside[key], "one holder of %s at a time", key)
			mu.Unlock()
			mu.Lock()
			inside[key]--
			mu.Unlock()
			unlock()
		})
	}
	wg.Wait()
	require.Empty(t, k.locks, "no entry outlives its holders and waiters")

	// A waiter whose context ends gives up and leaves nothing behind.
	unlock, err := k.lock(ctx, "a")
	require.NoError(t, err)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = k.lock(canceled, "a")
	require.ErrorIs(t, err, context.Canceled)
	unlock()
	require.Empty(t, k.locks)
}
