package delivery_test

import (
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/delivery"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestCancelWithdrawsOnlyWhatNoAttemptHolds: a queued delivery is
// withdrawn (canceled, off the queue); one an attempt holds right now, or
// one already canceled, is left as it is.
func TestCancelWithdrawsOnlyWhatNoAttemptHolds(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	rd := redistest.New(t)
	st := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	q := delivery.NewQueue(st, nil, clock.Real{}, slog.New(slog.DiscardHandler), "http://sb.test", loop.NewNudge())
	now := time.Now()
	enqueue := func() store.DeliveryRef {
		d, err := st.Deliveries().Enqueue(ctx, &storagev1.Delivery{
			ProjectId: 1, CheckId: 1, Event: "merge_train", Payload: []byte(`{}`), WebhookId: "msg_x",
			State:    int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING),
			Deadline: timestamppb.New(now.Add(time.Minute)), NextAttemptTime: timestamppb.New(now),
		})
		require.NoError(t, err)
		return store.DeliveryRef{ProjectID: 1, ID: d.GetId()}
	}
	queued, attempted := enqueue(), enqueue()

	ok, err := q.Cancel(ctx, queued)
	require.NoError(t, err)
	require.True(t, ok)
	d, err := st.Deliveries().Get(ctx, queued)
	require.NoError(t, err)
	require.Equal(t, int32(signalboxv1.DeliveryState_DELIVERY_STATE_CANCELED), d.GetState())
	ok, err = q.Cancel(ctx, queued)
	require.NoError(t, err)
	require.False(t, ok, "already withdrawn")

	// An attempt holds the other one: it is left to the attempt.
	held, err := st.Leases().Acquire(ctx, "delivery:1:"+strconv.FormatInt(attempted.ID, 10), "worker", time.Minute)
	require.NoError(t, err)
	require.True(t, held)
	ok, err = q.Cancel(ctx, attempted)
	require.NoError(t, err)
	require.False(t, ok)
	d, err = st.Deliveries().Get(ctx, attempted)
	require.NoError(t, err)
	require.Equal(t, int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING), d.GetState())

	due, err := st.Deliveries().Due(ctx, 1, now.Add(time.Second), 10)
	require.NoError(t, err)
	require.Equal(t, []store.DeliveryRef{attempted}, due, "the canceled one left the queue")
}
