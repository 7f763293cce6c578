package event_test

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// newRedis is event.NewRedis, closed when the test ends so its sender does
// not outlive it.
func newRedis(t *testing.T, rdb redis.UniversalClient, prefix string, logger *slog.Logger) *event.Redis {
	t.Helper()
	bus := event.NewRedis(rdb, prefix, logger)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = bus.Close(ctx)
	})
	return bus
}

// publishGate is a go-redis hook that counts the round trips carrying
// PUBLISH and can hold the next one until released, so that a test can let
// events queue up behind a round trip in flight.
type publishGate struct {
	roundTrips atomic.Int64
	mu         sync.Mutex
	arrived    chan struct{} // closed when the held round trip reached the gate
	release    chan struct{} // closed to let it go
}

// hold makes the next PUBLISH round trip wait for release (or for its
// context to end); arrived is closed when it is waiting.
func (g *publishGate) hold() (arrived <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.arrived, g.release = make(chan struct{}), make(chan struct{})
	rel := g.release
	var once sync.Once
	return g.arrived, func() { once.Do(func() { close(rel) }) }
}

func (g *publishGate) pass(ctx context.Context, cmds []redis.Cmder) {
	if !slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return c.Name() == "publish" }) {
		return
	}
	g.roundTrips.Add(1)
	g.mu.Lock()
	arrived, release := g.arrived, g.release
	g.arrived, g.release = nil, nil
	g.mu.Unlock()
	if arrived == nil {
		return
	}
	close(arrived)
	select {
	case <-release:
	case <-ctx.Done():
	}
}

func (g *publishGate) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (g *publishGate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		g.pass(ctx, []redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (g *publishGate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		g.pass(ctx, cmds)
		return next(ctx, cmds)
	}
}

// records is a slog handler that keeps every message.
type records struct {
	mu   sync.Mutex
	msgs []string
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}

func (h *records) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

// pair is two replicas on one Redis: one publishes through a client with a
// publishGate, two listens.
type pair struct {
	one, two *event.Redis
	gate     *publishGate
	log      *records
}

// The kinds the tests publish; warm-up events have a kind of their own so
// that late ones are told apart.
const (
	warmUp event.Kind = "warm_up"
	probe  event.Kind = "probe"
	tested event.Kind = "tested"
)

func newPair(t *testing.T) *pair {
	t.Helper()
	r := redistest.New(t)
	prefix := redistest.Prefix(t)
	p := &pair{gate: &publishGate{}, log: &records{}}
	rdb := r.Client(t)
	rdb.AddHook(p.gate)
	p.one = newRedis(t, rdb, prefix, slog.New(p.log))
	p.two = newRedis(t, r.Client(t), prefix, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	running.Go(func() { p.one.Run(ctx) })
	running.Go(func() { p.two.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		running.Wait()
	})
	// The subscription starts asynchronously; publish until two hears one.
	heard, stop := p.two.Subscribe(0)
	defer stop()
	require.Eventually(t, func() bool {
		p.one.Publish(ctx, event.Event{Kind: warmUp})
		select {
		case <-heard:
			return true
		case <-time.After(50 * time.Millisecond):
			return false
		}
	}, 10*time.Second, 10*time.Millisecond)
	return p
}

// receive reads events of kind tested from ch until it has n, or fails
// after a generous bound.
func receive(t *testing.T, ch <-chan event.Event, n int) []event.Event {
	t.Helper()
	var got []event.Event
	bound := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case e := <-ch:
			if e.Kind == tested {
				got = append(got, e)
			}
		case <-bound:
			t.Fatalf("heard %d of %d events", len(got), n)
		}
	}
	return got
}

// TestRedisKeepsOneReplicasOrder: events published one after another on one
// replica reach another replica's subscriber in that order, across the
// batches the sender makes of them.
func TestRedisKeepsOneReplicasOrder(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	heard, stop := p.two.SubscribeAll()
	defer stop()
	arrived, release := p.gate.hold()
	const n = 300 // more than one round trip's batch
	var want []event.Event
	for i := range n {
		e := event.Event{Kind: tested, ProjectID: int64(1 + i%3), MergeRequestIID: int64(i)}
		want = append(want, e)
		p.one.Publish(t.Context(), e)
		if i == 0 {
			<-arrived // the rest queue behind the first round trip
		}
	}
	release()
	require.Equal(t, want, receive(t, heard, n))
}

// TestRedisBatchesConcurrentPublishers: a burst of publishers is delivered
// whole, and the events that queued while a round trip was out share the
// next ones instead of taking one each.
func TestRedisBatchesConcurrentPublishers(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	heard, stop := p.two.SubscribeAll()
	defer stop()
	arrived, release := p.gate.hold()
	p.gate.roundTrips.Store(0)
	const n = 64
	var publishers sync.WaitGroup
	for i := range n {
		publishers.Go(func() {
			p.one.Publish(t.Context(), event.Event{Kind: tested, ProjectID: 9, MergeRequestIID: int64(i)})
		})
	}
	<-arrived
	// Every Publish returns while the sender's round trip is held: none
	// waits for Redis.
	publishers.Wait()
	release()
	var iids []int64
	for _, e := range receive(t, heard, n) {
		iids = append(iids, e.MergeRequestIID)
	}
	slices.Sort(iids)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i)
	}
	require.Equal(t, want, iids)
	trips := p.gate.roundTrips.Load()
	t.Logf("%d events in %d round trips", n, trips)
	require.Less(t, trips, int64(n))
}

// TestRedisCloseFlushes: what is queued when Close is called still goes
// out; Publish after Close drops its event with one warning, and neither
// panics nor waits.
func TestRedisCloseFlushes(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	heard, stop := p.two.SubscribeAll()
	defer stop()
	arrived, release := p.gate.hold()
	const n = 100
	for i := range n {
		p.one.Publish(t.Context(), event.Event{Kind: tested, ProjectID: 4, MergeRequestIID: int64(i)})
		if i == 0 {
			<-arrived
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- p.one.Close(context.Background()) }()
	// Once a probe is dropped the bus is closed, with the events above
	// still queued behind the held round trip.
	const dropped = "event published after the bus closed; dropped"
	require.Eventually(t, func() bool {
		p.one.Publish(t.Context(), event.Event{Kind: probe, ProjectID: 4})
		return p.log.count(dropped) > 0
	}, 10*time.Second, time.Millisecond)
	release()
	require.NoError(t, <-closed)
	require.Len(t, receive(t, heard, n), n)

	// Publishers racing each other after Close: none panics or hangs, and
	// the drop is logged once.
	var publishers sync.WaitGroup
	for range 8 {
		publishers.Go(func() {
			for range 100 {
				p.one.Publish(t.Context(), event.Event{Kind: probe, ProjectID: 4})
			}
		})
	}
	publishers.Wait()
	require.Equal(t, 1, p.log.count(dropped))
	require.NoError(t, p.one.Close(context.Background()), "a second Close")
}

// TestRedisCloseGivesUp: when Redis does not answer before Close's context
// ends, Close returns with the queued events dropped and counted, and the
// sender is gone.
func TestRedisCloseGivesUp(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	arrived, release := p.gate.hold()
	defer release()
	for i := range 10 {
		p.one.Publish(t.Context(), event.Event{Kind: tested, ProjectID: 5, MergeRequestIID: int64(i)})
		if i == 0 {
			<-arrived
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, p.one.Close(ctx), context.Canceled)
	require.Equal(t, 1, p.log.count("events dropped: the bus closed before they were sent"))
	p.one.Publish(t.Context(), event.Event{Kind: probe, ProjectID: 5})
}

// TestRedisPublishWaitsForRoom: a Publish that finds the queue full waits
// for room and its event is delivered; one whose context ends while it
// waits drops its event with a warning instead of waiting on.
func TestRedisPublishWaitsForRoom(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	last, stop := p.two.Subscribe(8)
	defer stop()
	arrived, release := p.gate.hold()
	p.one.Publish(t.Context(), event.Event{Kind: tested, ProjectID: 7})
	<-arrived
	// Fill the queue behind the held round trip: a Publish whose context has
	// ended still enqueues while there is room, and drops, with a warning,
	// only once there is none.
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	const full = "event queue full and the publisher gone; event dropped"
	for i := 0; p.log.count(full) == 0; i++ {
		require.LessOrEqual(t, i, event.QueueSize+1, "the queue never filled")
		p.one.Publish(gone, event.Event{Kind: tested, ProjectID: 7})
	}

	waited := make(chan struct{})
	go func() {
		defer close(waited)
		p.one.Publish(t.Context(), event.Event{Kind: tested, ProjectID: 8, MergeRequestIID: 2})
	}()
	release()
	<-waited
	require.Equal(t, []event.Event{{Kind: tested, ProjectID: 8, MergeRequestIID: 2}}, receive(t, last, 1))
}
