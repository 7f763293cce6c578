package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/delivery"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// gate is a receiver that holds every request until it is opened, and
// counts what it holds.
type gate struct {
	*httptest.Server
	open           chan struct{}
	once           sync.Once
	held, mostHeld atomic.Int64
	answered       atomic.Int64
}

func newGate(t *testing.T) *gate {
	g := &gate{open: make(chan struct{})}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n := g.held.Add(1)
		for most := g.mostHeld.Load(); n > most && !g.mostHeld.CompareAndSwap(most, n); most = g.mostHeld.Load() {
		}
		defer g.held.Add(-1)
		select {
		case <-g.open:
			g.answered.Add(1)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(g.Close)
	t.Cleanup(g.Open) // before Close, which waits for handlers
	return g
}

func (g *gate) Open() { g.once.Do(func() { close(g.open) }) }

type noSecrets struct{}

func (noSecrets) Secret(*storagev1.StatusCheck) (string, error)    { return "", nil }
func (noSecrets) HookToken(*storagev1.ProjectHook) (string, error) { return "", nil }

// TestWorkerBoundsEachProjectAndEachReceiver: with small bounds, a project
// whose receiver holds every request gets no more than its share of
// attempts, a receiver that several projects send to gets no more than its
// own, and neither holds up another project's delivery to another
// receiver. When the slow receivers answer, the deliveries that waited for
// them go out.
func TestWorkerBoundsEachProjectAndEachReceiver(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	rd := redistest.New(t)
	st := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	slow, own := newGate(t), newGate(t)
	quick := make(chan int64, 10)
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { quick <- 1 }))
	t.Cleanup(fast.Close)

	check := func(pid int64, name, url string) *storagev1.StatusCheck {
		c, err := st.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: pid, Name: name, ExternalUrl: url})
		require.NoError(t, err)
		return c
	}
	now := time.Now()
	enqueue := func(c *storagev1.StatusCheck, n int) {
		for range n {
			_, err := st.Deliveries().Enqueue(ctx, &storagev1.Delivery{
				ProjectId: c.GetProjectId(), CheckId: c.GetId(), Event: "open", Payload: []byte(`{}`),
				State:    int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING),
				Deadline: timestamppb.New(now.Add(time.Minute)), NextAttemptTime: timestamppb.New(now),
			})
			require.NoError(t, err)
		}
	}
	// Project 4 asks a slow receiver of its own 10 times. Projects 1 and 2
	// ask another slow receiver 10 times each (through paths of their own,
	// the same host and port). Then projects 3 and 5 ask the fast one. (A
	// project's own slow receivers can take its own share: the bounds keep
	// projects apart, not a project's checks.)
	enqueue(check(4, "own", own.URL), 10)
	enqueue(check(1, "slow", slow.URL+"/one"), 10)
	enqueue(check(2, "slow", slow.URL+"/two"), 10)
	enqueue(check(3, "fast", fast.URL+"/three"), 1)
	enqueue(check(5, "fast", fast.URL+"/five"), 1)

	const perProject, perReceiver = 4, 6
	w := delivery.NewWorker(delivery.WorkerConfig{Holder: "test", Concurrency: 100, PerProject: perProject, PerReceiver: perReceiver,
		Poll: 50 * time.Millisecond}, st, delivery.NewClient(delivery.WithAllowLocalNetwork(true)), noSecrets{},
		clock.Real{}, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), event.NewLocal(), loop.NewNudge())
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		w.Run(runCtx)
		close(done)
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})

	for range 2 {
		select {
		case <-quick:
		case <-time.After(15 * time.Second):
			t.Fatal("a delivery to the fast receiver is held up by the slow one")
		}
	}
	require.Eventually(t, func() bool { return slow.held.Load() == perReceiver }, 15*time.Second, 10*time.Millisecond,
		"the slow receiver gets its share")
	require.LessOrEqual(t, slow.mostHeld.Load(), int64(perReceiver), "never more than a receiver's share")
	require.Eventually(t, func() bool { return own.held.Load() == perProject }, 15*time.Second, 10*time.Millisecond,
		"a project gets its share")
	require.LessOrEqual(t, own.mostHeld.Load(), int64(perProject), "never more than a project's share")

	// Once it answers, everything that waited for it goes out.
	slow.Open()
	own.Open()
	require.Eventually(t, func() bool { return slow.answered.Load() == 20 && own.answered.Load() == 10 }, 30*time.Second, 10*time.Millisecond)
	require.LessOrEqual(t, slow.mostHeld.Load(), int64(perReceiver))
	require.LessOrEqual(t, own.mostHeld.Load(), int64(perProject))
	require.Eventually(t, func() bool {
		for _, pid := range []int64{1, 2, 3, 4, 5} {
			due, err := st.Deliveries().Due(ctx, pid, time.Now().Add(time.Hour), 100)
			if err != nil || len(due) > 0 {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "every queue is empty")
}
