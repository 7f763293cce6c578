package signalbox

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"
)

func TestBackoffDoublesUpToTheCapWithJitter(t *testing.T) {
	t.Parallel()
	p := retryPolicy{maxAttempts: 10, initial: 100 * time.Millisecond, max: time.Second}
	for attempt, full := range map[int]time.Duration{
		1: 100 * time.Millisecond,
		2: 200 * time.Millisecond,
		3: 400 * time.Millisecond,
		4: 800 * time.Millisecond,
		5: time.Second,
		9: time.Second,
	} {
		for range 200 {
			d := p.backoff(attempt)
			require.GreaterOrEqual(t, d, full/2, "attempt %d", attempt)
			require.LessOrEqual(t, d, full, "attempt %d", attempt)
		}
	}
	// The jitter spreads the waits rather than always picking one.
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[p.backoff(1)] = true
	}
	require.Greater(t, len(seen), 1)

	// No overflow however long the outage.
	huge := retryPolicy{maxAttempts: 1000, initial: 3 * time.Hour, max: math.MaxInt64}
	for _, attempt := range []int{40, 41, 500} {
		require.GreaterOrEqual(t, huge.backoff(attempt), time.Duration(math.MaxInt64/2))
	}
}

func TestRetryableProcedures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		level  connect.IdempotencyLevel
		stream connect.StreamType
		want   bool
	}{
		{connect.IdempotencyNoSideEffects, connect.StreamTypeUnary, true},
		{connect.IdempotencyIdempotent, connect.StreamTypeUnary, true},
		{connect.IdempotencyNoSideEffects, connect.StreamTypeServer, true},
		{connect.IdempotencyUnknown, connect.StreamTypeUnary, false},
		{connect.IdempotencyNoSideEffects, connect.StreamTypeClient, false},
		{connect.IdempotencyNoSideEffects, connect.StreamTypeBidi, false},
	} {
		require.Equal(t, tc.want, retryable(connect.Spec{IdempotencyLevel: tc.level, StreamType: tc.stream}), "%v %v", tc.level, tc.stream)
	}
}

// unavailableStream fails every receive with Unavailable.
type unavailableStream struct{ connect.ClientStream }

func (unavailableStream) Send(any) error   { return nil }
func (unavailableStream) CloseSend() error { return nil }
func (unavailableStream) Close() error     { return nil }
func (unavailableStream) Receive(any) error {
	return connect.NewError(connect.CodeUnavailable, "down")
}

var readSpec = connect.Spec{IdempotencyLevel: connect.IdempotencyNoSideEffects, StreamType: connect.StreamTypeUnary}

// call runs one unary call through the retry interceptor over a transport
// that always fails, and reports how many streams it opened.
func call(ctx context.Context, p retryPolicy, onOpen func(n int)) (int, error) {
	opened := 0
	next := func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
		opened++
		onOpen(opened)
		return unavailableStream{}, nil
	}
	stream, err := newRetryInterceptor(p)(next)(ctx, readSpec)
	if err != nil {
		return opened, err
	}
	defer stream.Close()
	if err := stream.Send(struct{}{}); err != nil {
		return opened, err
	}
	if err := stream.CloseSend(); err != nil {
		return opened, err
	}
	return opened, stream.Receive(struct{}{})
}

// quickly runs f and fails the test if f is still waiting after ten
// seconds: the tests below set hour-long backoffs that only the behaviour
// under test can cut short, and a broken one should fail, not hang.
func quickly(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting for the retry to give up")
	}
}

func TestRetryStopsWhenTheContextIsCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	// An hour's wait: only the cancellation can end it.
	p := retryPolicy{maxAttempts: 5, initial: time.Hour, max: time.Hour}
	var opened int
	var err error
	quickly(t, func() { opened, err = call(ctx, p, func(int) { cancel() }) })
	require.Equal(t, 1, opened)
	require.Equal(t, connect.CodeCanceled, connect.CodeOf(err))
	require.ErrorIs(t, err, context.Canceled)
	var last *connect.Error
	require.True(t, errors.As(errors.Unwrap(err), &last), "the last attempt's error is kept as the cause")
}

func TestRetryDoesNotWaitPastTheDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	p := retryPolicy{maxAttempts: 5, initial: 4 * time.Hour, max: 4 * time.Hour}
	var opened int
	var err error
	quickly(t, func() { opened, err = call(ctx, p, func(int) {}) })
	require.Equal(t, 1, opened)
	require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err), "the server's error, not a deadline that has not passed")
}

func TestRetryReplaysOnAFreshStream(t *testing.T) {
	t.Parallel()
	p := retryPolicy{maxAttempts: 3, initial: time.Nanosecond, max: time.Nanosecond}
	opened, err := call(t.Context(), p, func(int) {})
	require.Equal(t, 3, opened)
	require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
}

// TestCloseEndsTheRetries closes a server stream from another goroutine
// while its receiver waits an hour to retry, as a caller abandoning a
// watch does.
func TestCloseEndsTheRetries(t *testing.T) {
	t.Parallel()
	p := retryPolicy{maxAttempts: 5, initial: time.Hour, max: time.Hour}
	spec := connect.Spec{IdempotencyLevel: connect.IdempotencyNoSideEffects, StreamType: connect.StreamTypeServer}
	next := func(context.Context, connect.Spec) (connect.ClientStream, error) { return unavailableStream{}, nil }
	stream, err := newRetryInterceptor(p)(next)(t.Context(), spec)
	require.NoError(t, err)
	require.NoError(t, stream.Send(struct{}{}))
	require.NoError(t, stream.CloseSend())

	received := make(chan error, 1)
	go func() { received <- stream.Receive(struct{}{}) }()
	require.NoError(t, stream.Close())
	quickly(t, func() { err = <-received })
	require.Equal(t, connect.CodeCanceled, connect.CodeOf(err))
	require.NoError(t, stream.Close(), "Close is idempotent")
}
