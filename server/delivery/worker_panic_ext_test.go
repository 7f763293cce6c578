package delivery_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
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
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// panickingSecrets panics when asked for the secret of one check, as a bug
// in any step of an attempt would.
type panickingSecrets struct{ checkID int64 }

func (s panickingSecrets) Secret(c *storagev1.StatusCheck) (string, error) {
	if c.GetId() == s.checkID {
		panic("a bug in one attempt")
	}
	return "", nil
}

func (panickingSecrets) HookToken(*storagev1.ProjectHook) (string, error) { return "", nil }

// syncBuffer is a log destination that the worker's goroutines and the test
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestWorkerSurvivesAPanicInOneAttempt: an attempt that panics is
// recovered and logged with its stack; the delivery is recorded as a failed
// attempt and retried with backoff until its deadline, not in a tight loop;
// and the worker goes on delivering everything else.
func TestWorkerSurvivesAPanicInOneAttempt(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	rd := redistest.New(t)
	st := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	got := make(chan string, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.URL.Path }))
	t.Cleanup(rcv.Close)

	check := func(name string) *storagev1.StatusCheck {
		c, err := st.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: 1, Name: name, ExternalUrl: rcv.URL + "/" + name})
		require.NoError(t, err)
		return c
	}
	bad, good, later := check("bad"), check("good"), check("later")
	now := time.Now()
	enqueue := func(c *storagev1.StatusCheck) store.DeliveryRef {
		d, err := st.Deliveries().Enqueue(ctx, &storagev1.Delivery{
			ProjectId: 1, CheckId: c.GetId(), Event: "open", Payload: []byte(`{}`), WebhookId: "msg_" + c.GetName(),
			State:    int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING),
			Deadline: timestamppb.New(now.Add(3 * time.Second)), NextAttemptTime: timestamppb.New(now),
		})
		require.NoError(t, err)
		return store.DeliveryRef{ProjectID: 1, ID: d.GetId()}
	}
	badRef := enqueue(bad)
	enqueue(good)

	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	wake := loop.NewNudge()
	w := delivery.NewWorker(delivery.WorkerConfig{Holder: "test", Poll: 50 * time.Millisecond}, st,
		delivery.NewClient(delivery.WithAllowLocalNetwork(true)), panickingSecrets{checkID: bad.GetId()},
		clock.Real{}, logger, event.NewLocal(), wake)
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

	require.Equal(t, "/good", receive(t, got), "the other delivery goes out")
	require.Eventually(t, func() bool {
		return bytes.Contains([]byte(logs.String()), []byte(`"msg":"delivery attempt panicked; recovered"`))
	}, 10*time.Second, 10*time.Millisecond)
	require.Contains(t, logs.String(), "a bug in one attempt")
	require.Contains(t, logs.String(), "panickingSecrets.Secret", "the log has the stack")

	// The worker goes on with work queued after the panic.
	enqueue(later)
	wake.Wake()
	require.Equal(t, "/later", receive(t, got))

	// The panicking delivery is retried with backoff until its deadline,
	// then fails; each attempt is in its log.
	require.Eventually(t, func() bool {
		d, err := st.Deliveries().Get(ctx, badRef)
		return err == nil && d.GetState() == int32(signalboxv1.DeliveryState_DELIVERY_STATE_FAILED)
	}, 15*time.Second, 20*time.Millisecond)
	d, err := st.Deliveries().Get(ctx, badRef)
	require.NoError(t, err)
	require.NotEmpty(t, d.GetAttempts())
	require.Less(t, len(d.GetAttempts()), 20, "retried with backoff, not in a tight loop")
	for _, a := range d.GetAttempts() {
		require.Contains(t, a.GetError(), "Signalbox failed while making this attempt")
	}
	select {
	case p := <-got:
		t.Fatalf("the panicking delivery reached its receiver: %s", p)
	default:
	}
}

func receive(t *testing.T, got <-chan string) string {
	t.Helper()
	select {
	case p := <-got:
		return p
	case <-time.After(15 * time.Second):
		t.Fatal("the receiver got nothing")
		return ""
	}
}
