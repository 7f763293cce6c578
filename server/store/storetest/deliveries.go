package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testDeliveries(t *testing.T, h Harness) {
	t.Run("QueueAndLog", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		base := time.UnixMilli(1_700_000_000_000)
		enqueue := func(check int64, due time.Duration) *storagev1.Delivery {
			d, err := s.Deliveries().Enqueue(ctx, &storagev1.Delivery{
				ProjectId: 1, CheckId: check, Event: "open", Payload: []byte(`{}`),
				NextAttemptTime: timestamppb.New(base.Add(due)),
			})
			require.NoError(t, err)
			return d
		}
		a := enqueue(1, 0)
		b := enqueue(1, 2*time.Second)
		enqueue(2, time.Second)

		due, err := s.Deliveries().Due(ctx, base.Add(time.Second), 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{{ProjectID: 1, ID: a.GetId()}, {ProjectID: 1, ID: 3}}, due)

		// An attempt that will be retried later moves it back in the queue.
		a.Attempts = append(a.Attempts, &storagev1.DeliveryAttempt{Number: 1, HttpStatus: 503})
		a.NextAttemptTime = timestamppb.New(base.Add(time.Minute))
		require.NoError(t, s.Deliveries().Save(ctx, a, true))
		// A finished one leaves the queue.
		require.NoError(t, s.Deliveries().Save(ctx, b, false))
		due, err = s.Deliveries().Due(ctx, base.Add(30*time.Second), 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{{ProjectID: 1, ID: 3}}, due)

		got, err := s.Deliveries().Get(ctx, store.DeliveryRef{ProjectID: 1, ID: a.GetId()})
		require.NoError(t, err)
		require.Len(t, got.GetAttempts(), 1)

		log, err := s.Deliveries().Log(ctx, 1, 1, 100)
		require.NoError(t, err)
		require.Len(t, log, 2)
		require.Equal(t, b.GetId(), log[0].GetId(), "newest first")
	})
	t.Run("LogKeepsTheNewestHundred", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		var last int64
		for i := range 105 {
			d, err := s.Deliveries().Enqueue(ctx, &storagev1.Delivery{
				ProjectId: 1, CheckId: 9, Event: fmt.Sprint(i), NextAttemptTime: timestamppb.New(time.UnixMilli(1)),
			})
			require.NoError(t, err)
			require.NoError(t, s.Deliveries().Save(ctx, d, false))
			last = d.GetId()
		}
		log, err := s.Deliveries().Log(ctx, 1, 9, 1000)
		require.NoError(t, err)
		require.Len(t, log, 100)
		require.Equal(t, last, log[0].GetId())
	})
}

func testLeases(t *testing.T, h Harness) {
	t.Run("ExclusiveAndExpiring", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		ok, err := s.Leases().Acquire(ctx, "job:1", "a", 200*time.Millisecond)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = s.Leases().Acquire(ctx, "job:1", "b", time.Second)
		require.NoError(t, err)
		require.False(t, ok, "held by a")

		require.NoError(t, s.Leases().Release(ctx, "job:1", "b"), "b does not hold it; nothing happens")
		ok, err = s.Leases().Acquire(ctx, "job:1", "b", time.Second)
		require.NoError(t, err)
		require.False(t, ok)

		require.Eventually(t, func() bool {
			ok, err := s.Leases().Acquire(ctx, "job:1", "b", time.Second)
			return err == nil && ok
		}, 5*time.Second, 20*time.Millisecond, "a's lease expires on the wall clock")
		require.NoError(t, s.Leases().Release(ctx, "job:1", "b"))
		ok, err = s.Leases().Acquire(ctx, "job:1", "c", time.Second)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = s.Leases().Acquire(ctx, "job:1", "c", time.Second)
		require.NoError(t, err)
		require.False(t, ok, "not even its holder takes a lease twice")
	})
	t.Run("Renew", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		ok, err := s.Leases().Renew(ctx, "job:2", "a", time.Second)
		require.NoError(t, err)
		require.False(t, ok, "nothing to renew")
		ok, err = s.Leases().Acquire(ctx, "job:2", "a", 300*time.Millisecond)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = s.Leases().Renew(ctx, "job:2", "b", time.Minute)
		require.NoError(t, err)
		require.False(t, ok, "b does not hold it")
		ok, err = s.Leases().Renew(ctx, "job:2", "a", time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		time.Sleep(500 * time.Millisecond)
		ok, err = s.Leases().Acquire(ctx, "job:2", "b", time.Second)
		require.NoError(t, err)
		require.False(t, ok, "renewed past its first TTL")
	})
}
