package statuscheck_test

import (
	"context"
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

// panickyBus is a real in-process bus whose Publish panics for one project,
// as a bug in handling one entry would.
type panickyBus struct {
	*event.Local
	project int64
}

func (b panickyBus) Publish(ctx context.Context, e event.Event) {
	if e.ProjectID == b.project {
		panic("handling this entry is broken")
	}
	b.Local.Publish(ctx, e)
}

// TestSweepGoesOnPastAPanickingEntry: three responses are due, and handling
// the first one panics. The sweep does not crash; it announces the other
// two, and drops the bad entry so that the next sweep does not panic again.
func TestSweepGoesOnPastAPanickingEntry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rd := redistest.New(t)
	st := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	bus := panickyBus{Local: event.NewLocal(), project: 1}
	heard, cancel := bus.SubscribeAll()
	defer cancel()
	clk := clock.NewFake(start)
	svc := statuscheck.NewService(statuscheck.Deps{
		Store: st, Clock: clk, Logger: slog.New(slog.DiscardHandler), Events: bus, DefaultTimeout: time.Second,
	})
	for i, pid := range []int64{1, 2, 3} {
		_, err := st.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: pid, MergeRequestIid: 1, CheckId: 1, Sha: sha,
			Status:     int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING),
			CreateTime: timestamppb.New(start), Deadline: timestamppb.New(start.Add(time.Duration(i+1) * time.Millisecond))})
		require.NoError(t, err)
	}

	clk.Set(start.Add(time.Second))
	announced, err := svc.ExpireDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, announced)
	require.Equal(t, int64(2), (<-heard).ProjectID)
	require.Equal(t, int64(3), (<-heard).ProjectID)

	due, err := st.Responses().Due(ctx, clk.Now(), 10)
	require.NoError(t, err)
	require.Empty(t, due, "the entry that panicked is dropped, not retried every sweep")
	announced, err = svc.ExpireDue(ctx)
	require.NoError(t, err)
	require.Zero(t, announced)
}
