package signalbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
)

// The default retry policy: enough to ride out a server restart or a
// rolling deploy, short enough that a caller with no deadline is not left
// waiting on a server that is really gone.
const (
	defaultMaxAttempts    = 3
	defaultInitialBackoff = 100 * time.Millisecond
	defaultMaxBackoff     = 2 * time.Second
)

// retryPolicy says how often and how patiently a read is tried.
type retryPolicy struct {
	maxAttempts int
	initial     time.Duration
	max         time.Duration
}

// backoff is the wait before the retry that follows attempt (1 for the first
// attempt): initial doubled per earlier retry, capped at max, then jittered
// down by up to half, so the wait is never zero and clients that failed
// together do not come back together.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.initial
	for i := 1; i < attempt && d < p.max; i++ {
		if d > p.max/2 {
			d = p.max // doubling could overflow
			break
		}
		d *= 2
	}
	d = min(d, p.max)
	if half := d / 2; half > 0 {
		d = half + rand.N(half+1)
	}
	return d
}

// retryable reports whether a procedure may be tried again after
// Unavailable: only reads, since a write that failed that way may still have
// happened. Client and bidi streams are excluded because replaying them
// would mean buffering every message sent.
func retryable(spec connect.Spec) bool {
	switch spec.IdempotencyLevel {
	case connect.IdempotencyNoSideEffects, connect.IdempotencyIdempotent:
	default:
		return false
	}
	return spec.StreamType == connect.StreamTypeUnary || spec.StreamType == connect.StreamTypeServer
}

// newRetryInterceptor retries reads that fail with Unavailable. A client
// interceptor only opens the stream, and a unary call's failure arrives
// later, on Send or Receive, so the retrying happens in a stream wrapper
// that replays the request on a fresh stream.
func newRetryInterceptor(p retryPolicy) connect.ClientInterceptor {
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			if p.maxAttempts <= 1 || !retryable(spec) {
				return next(ctx, spec)
			}
			s := &retryStream{ctx: ctx, spec: spec, next: next, policy: p, closed: make(chan struct{})}
			_, err := s.reopen()
			if err = s.retry(err, nil); err != nil {
				_ = s.Close()
				return nil, err
			}
			return s, nil
		}
	}
}

// retryStream is a stream that, until its first response message, can
// start over: it remembers what was sent and replays it on a new stream.
// Like any ClientStream it has one sender and one receiver, and unary and
// server-stream callers finish sending before they receive, so the replay
// never races a send. Close may come from another goroutine at any time, so
// the current stream is swapped under mu, and Close ends any retrying.
type retryStream struct {
	ctx    context.Context
	spec   connect.Spec
	next   connect.ClientFunc
	policy retryPolicy

	attempts int
	sent     []func(connect.ClientStream) error // what to replay, in order
	received bool                               // a response message arrived: no more retries

	mu      sync.Mutex
	stream  connect.ClientStream // nil before the first open and after a failed one
	openErr error                // why stream is nil
	closed  chan struct{}        // closed by Close
}

// errClosed ends the retries of a stream its caller closed.
var errClosed = connect.NewError(connect.CodeCanceled, "stream closed")

// SendHeaders flushes the request headers, retrying if that fails.
func (s *retryStream) SendHeaders() error {
	return s.do(connect.ClientStream.SendHeaders, true)
}

// Send sends msg, retrying if that fails. msg is kept for replays, so the
// caller must not change it until the call ends, as with any send.
func (s *retryStream) Send(msg any) error {
	return s.do(func(st connect.ClientStream) error { return st.Send(msg) }, true)
}

// CloseSend closes the request side, retrying if that fails.
func (s *retryStream) CloseSend() error {
	return s.do(connect.ClientStream.CloseSend, true)
}

// Receive reads the next response; before the first one arrives it
// retries, after that a failure is the caller's.
func (s *retryStream) Receive(msg any) error {
	err := s.do(func(st connect.ClientStream) error { return st.Receive(msg) }, false)
	if err == nil {
		s.received = true
	}
	return err
}

// Close releases the current stream and stops any retrying.
func (s *retryStream) Close() error {
	s.mu.Lock()
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	st := s.stream
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	return st.Close()
}

// current returns the stream to run an operation on, or why there is none.
func (s *retryStream) current() (connect.ClientStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream == nil {
		return nil, s.openErr
	}
	return s.stream, nil
}

// do runs op on the current stream, retrying it on a fresh one while that
// is allowed; a successful send-side op is remembered for later replays.
func (s *retryStream) do(op func(connect.ClientStream) error, replay bool) error {
	st, err := s.current()
	if st != nil {
		err = op(st)
	}
	err = s.retry(err, op)
	if err == nil && replay {
		s.sent = append(s.sent, op)
	}
	return err
}

// retry starts over after err for as long as the policy allows, running op
// (if any) on each new stream. It returns the error of the last attempt, or
// a Canceled or DeadlineExceeded error if the wait was cut short.
func (s *retryStream) retry(err error, op func(connect.ClientStream) error) error {
	for s.shouldRetry(err) {
		if err = s.wait(err); err != nil {
			return err
		}
		var st connect.ClientStream
		st, err = s.reopen()
		if err == nil && op != nil {
			err = op(st)
		}
	}
	return err
}

func (s *retryStream) shouldRetry(err error) bool {
	return err != nil && !s.received && s.attempts < s.policy.maxAttempts &&
		connect.CodeOf(err) == connect.CodeUnavailable
}

// reopen replaces the stream with a new one and replays what was sent on
// the old one.
func (s *retryStream) reopen() (connect.ClientStream, error) {
	s.mu.Lock()
	old := s.stream
	s.stream = nil
	s.mu.Unlock()
	if old != nil {
		_ = old.Close() // it failed; its close error says nothing new
		clearResponseMetadata(s.ctx)
	}
	s.attempts++
	st, err := s.next(s.ctx, s.spec)
	s.mu.Lock()
	select {
	case <-s.closed:
		// Closed while opening: the caller is gone, so is this stream.
		s.openErr = errClosed
		s.mu.Unlock()
		if st != nil {
			_ = st.Close()
		}
		return nil, errClosed
	default:
	}
	s.stream, s.openErr = st, err
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, op := range s.sent {
		if err := op(st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// wait sleeps before the next attempt. It gives up at once, returning last,
// when the context's deadline would pass before the wait ends (the attempt
// could not finish anyway), and returns a Canceled or DeadlineExceeded
// error when the context ends during the wait.
func (s *retryStream) wait(last error) error {
	d := s.policy.backoff(s.attempts)
	if deadline, ok := s.ctx.Deadline(); ok && time.Until(deadline) < d {
		return last
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-s.closed:
		return errClosed
	case <-s.ctx.Done():
		code := connect.CodeCanceled
		if errors.Is(s.ctx.Err(), context.DeadlineExceeded) {
			code = connect.CodeDeadlineExceeded
		}
		return connect.NewError(code, "gave up retrying: "+s.ctx.Err().Error()).
			WithCause(errors.Join(context.Cause(s.ctx), last))
	}
}

// clearResponseMetadata drops what a failed attempt left on the CallInfo,
// since transports merge each attempt's headers into it rather than replace
// them.
func clearResponseMetadata(ctx context.Context) {
	info, ok := connect.CallInfoForClientContext(ctx)
	if !ok {
		return
	}
	for _, h := range []*connect.Header{info.ResponseHeader(), info.ResponseTrailer()} {
		var keys []string
		for k := range h.All() {
			keys = append(keys, k)
		}
		for _, k := range keys {
			h.Delete(k)
		}
	}
}
