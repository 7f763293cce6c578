package event_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/store/redistest"
)

func TestLocalDeliversPerProject(t *testing.T) {
	t.Parallel()
	bus := event.NewLocal()
	a, cancelA := bus.Subscribe(1)
	b, cancelB := bus.Subscribe(2)
	defer cancelB()
	bus.Publish(t.Context(), event.Event{Kind: event.MergeRequestChanged, ProjectID: 1, MergeRequestIID: 3})
	require.Equal(t, event.Event{Kind: event.MergeRequestChanged, ProjectID: 1, MergeRequestIID: 3}, <-a)
	select {
	case e := <-b:
		t.Fatalf("project 2 heard %v", e)
	default:
	}
	cancelA()
	cancelA() // idempotent
	bus.Publish(t.Context(), event.Event{ProjectID: 1})
}

func TestLocalNeverBlocksOnASlowSubscriber(t *testing.T) {
	t.Parallel()
	bus := event.NewLocal()
	_, cancel := bus.Subscribe(1)
	defer cancel()
	done := make(chan struct{})
	go func() {
		for range 1000 {
			bus.Publish(context.Background(), event.Event{ProjectID: 1})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a subscriber that does not read")
	}
}

// TestRedisCrossesReplicas: two buses on one real Redis behave as two
// replicas; an event published on one reaches subscribers of both.
func TestRedisCrossesReplicas(t *testing.T) {
	t.Parallel()
	r := redistest.New(t)
	prefix := redistest.Prefix(t)
	logger := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	one := newRedis(t, r.Client(t), prefix, logger)
	two := newRedis(t, r.Client(t), prefix, logger)
	go one.Run(ctx)
	go two.Run(ctx)
	onTwo, stop := two.Subscribe(5)
	defer stop()
	want := event.Event{Kind: event.StatusCheckChanged, ProjectID: 5, MergeRequestIID: 1}
	// The subscription starts asynchronously; publish until it is heard.
	require.Eventually(t, func() bool {
		one.Publish(ctx, want)
		select {
		case got := <-onTwo:
			return got == want
		case <-time.After(50 * time.Millisecond):
			return false
		}
	}, 10*time.Second, 10*time.Millisecond)
}

// TestRedisGoesOnPastAPanickingEvent: handling one event panics; the
// subscription survives it, and the next events still reach subscribers.
func TestRedisGoesOnPastAPanickingEvent(t *testing.T) {
	t.Parallel()
	r := redistest.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	bus := newRedis(t, r.Client(t), redistest.Prefix(t), slog.New(slog.DiscardHandler))
	panicked := make(chan struct{}, 100)
	event.WrapFanOut(bus, func(ctx context.Context, e event.Event, next func(context.Context, event.Event)) {
		if e.ProjectID == 1 {
			panicked <- struct{}{}
			panic("handling this event is broken")
		}
		next(ctx, e)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus.Run(ctx)
	}()
	heard, stop := bus.Subscribe(2)
	defer stop()

	// The subscription starts asynchronously; publish until it panics once.
	require.Eventually(t, func() bool {
		bus.Publish(ctx, event.Event{ProjectID: 1})
		select {
		case <-panicked:
			return true
		case <-time.After(50 * time.Millisecond):
			return false
		}
	}, 10*time.Second, 10*time.Millisecond)
	want := event.Event{Kind: event.PipelineChanged, ProjectID: 2, MergeRequestIID: 7}
	bus.Publish(ctx, want)
	select {
	case got := <-heard:
		require.Equal(t, want, got)
	case <-time.After(10 * time.Second):
		t.Fatal("no event reached a subscriber after one panicked")
	}
	cancel()
	<-done
}
