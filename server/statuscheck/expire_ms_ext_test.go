package statuscheck_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestSweepInTheDeadlinesMillisecond: the deadline index keeps whole
// milliseconds, so a sweep a fraction of a millisecond before a deadline
// sees it listed. It must leave it for the next sweep, which fails it and
// announces it, rather than drop it unannounced (watchers then heard of the
// failure only from their 30-second refresh).
func TestSweepInTheDeadlinesMillisecond(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := redistest.New(t)
	st := redisstore.New(r.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.NewFake(start)
	bus := event.NewLocal()
	events, cancel := bus.Subscribe(1)
	defer cancel()
	svc := statuscheck.NewService(statuscheck.Deps{
		Store: st, Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Events: bus, DefaultTimeout: time.Second,
	})
	deadline := start.Add(time.Second + 700*time.Microsecond)
	_, err := st.Responses().Put(ctx, &storagev1.StatusCheckResponse{
		ProjectId: 1, MergeRequestIid: 1, CheckId: 1, Sha: "0123456789abcdef0123456789abcdef01234567",
		Status:     int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING),
		CreateTime: timestamppb.New(start), Deadline: timestamppb.New(deadline),
	})
	require.NoError(t, err)

	clk.Set(deadline.Add(-300 * time.Microsecond)) // same millisecond, before the deadline
	n, err := svc.ExpireDue(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "failed before its deadline")

	clk.Set(deadline)
	n, err = svc.ExpireDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the next sweep fails it")
	select {
	case e := <-events:
		require.Equal(t, event.Event{Kind: event.StatusCheckChanged, ProjectID: 1, MergeRequestIID: 1}, e)
	default:
		t.Fatal("the failure was not announced")
	}
}
