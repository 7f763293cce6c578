package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testDeliveries(t *testing.T, h Harness) {
	t.Run("Queues", func(t *testing.T) { testDeliveryQueues(t, h) })
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

		due, err := s.Deliveries().Due(ctx, 1, base.Add(time.Second), 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{{ProjectID: 1, ID: a.GetId()}, {ProjectID: 1, ID: 3}}, due)

		// An attempt that will be retried later moves it back in the queue.
		a.Attempts = append(a.Attempts, &storagev1.DeliveryAttempt{Number: 1, HttpStatus: 503})
		a.NextAttemptTime = timestamppb.New(base.Add(time.Minute))
		require.NoError(t, s.Deliveries().Save(ctx, a, true))
		// A finished one leaves the queue.
		require.NoError(t, s.Deliveries().Save(ctx, b, false))
		due, err = s.Deliveries().Due(ctx, 1, base.Add(30*time.Second), 10)
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

func testDeliveryQueues(t *testing.T, h Harness) {
	base := time.UnixMilli(1_700_000_000_000)
	enqueue := func(t *testing.T, s store.Store, project int64, due time.Duration) *storagev1.Delivery {
		t.Helper()
		d, err := s.Deliveries().Enqueue(t.Context(), &storagev1.Delivery{
			ProjectId: project, CheckId: 1, Event: "open", Payload: []byte(`{}`),
			NextAttemptTime: timestamppb.New(base.Add(due)),
		})
		require.NoError(t, err)
		return d
	}
	ref := func(d *storagev1.Delivery) store.DeliveryRef {
		return store.DeliveryRef{ProjectID: d.GetProjectId(), ID: d.GetId()}
	}
	t.Run("EachProjectHasItsQueueAndTheIndexListsTheLongestWaitingFirst", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		late := enqueue(t, s, 7, 3*time.Second)
		early := enqueue(t, s, 8, time.Second)
		enqueue(t, s, 9, time.Minute)

		pids, err := s.Deliveries().DueProjects(ctx, base.Add(5*time.Second), 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{8, 7}, pids, "project 9 is not due yet")
		pids, err = s.Deliveries().DueProjects(ctx, base.Add(5*time.Second), 1, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{7}, pids, "offset pages")

		due, err := s.Deliveries().Due(ctx, 7, base.Add(5*time.Second), 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{ref(late)}, due, "only project 7's deliveries")

		// A finished delivery leaves its queue, and an empty queue the index.
		require.NoError(t, s.Deliveries().Save(ctx, early, false))
		pids, err = s.Deliveries().DueProjects(ctx, base.Add(5*time.Second), 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{7}, pids)
	})
	t.Run("PostponeHidesADeliveryUntilThenAndReindexFollows", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		d := enqueue(t, s, 3, 0)
		other := enqueue(t, s, 3, time.Minute)
		require.NoError(t, s.Deliveries().Postpone(ctx, ref(d), base.Add(30*time.Second)))
		due, err := s.Deliveries().Due(ctx, 3, base.Add(time.Second), 10)
		require.NoError(t, err)
		require.Empty(t, due, "claimed for 30s")
		got, err := s.Deliveries().Get(ctx, ref(d))
		require.NoError(t, err)
		require.True(t, base.Equal(got.GetNextAttemptTime().AsTime()), "the record is left as it is")

		// The index still says "due" until Reindex reads the queue again:
		// early, never late.
		pids, err := s.Deliveries().DueProjects(ctx, base.Add(time.Second), 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{3}, pids)
		require.NoError(t, s.Deliveries().Reindex(ctx, 3))
		pids, err = s.Deliveries().DueProjects(ctx, base.Add(time.Second), 0, 10)
		require.NoError(t, err)
		require.Empty(t, pids)
		pids, err = s.Deliveries().DueProjects(ctx, base.Add(30*time.Second), 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{3}, pids)

		// Saved pending, a delivery is due again when its record says.
		require.NoError(t, s.Deliveries().Save(ctx, got, true))
		due, err = s.Deliveries().Due(ctx, 3, base.Add(time.Second), 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{ref(d)}, due)
		require.NoError(t, s.Deliveries().Save(ctx, got, false))
		require.NoError(t, s.Deliveries().Save(ctx, other, false))
		pids, err = s.Deliveries().DueProjects(ctx, base.Add(time.Hour), 0, 10)
		require.NoError(t, err)
		require.Empty(t, pids, "an empty queue is not indexed")
	})
	t.Run("ConcurrentWritersNeverLeaveAQueueIndexedLate", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		// Eight writers enqueue and finish deliveries of one project while
		// others reindex it; each writer leaves one delivery queued at the
		// end. However their commands interleave, the index must then say
		// the project is due no later than its earliest delivery.
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 10 {
					d, err := s.Deliveries().Enqueue(ctx, &storagev1.Delivery{ProjectId: 4, CheckId: int64(w), Event: fmt.Sprint(i),
						NextAttemptTime: timestamppb.New(base.Add(time.Duration(10-i) * time.Second))})
					if !assert.NoError(t, err) || i == 9 {
						return
					}
					assert.NoError(t, s.Deliveries().Save(ctx, d, false))
					assert.NoError(t, s.Deliveries().Reindex(ctx, 4))
				}
			})
		}
		wg.Wait()
		due, err := s.Deliveries().Due(ctx, 4, base.Add(time.Second), 100)
		require.NoError(t, err)
		require.Len(t, due, 8, "each writer's last delivery, due at base+1s")
		pids, err := s.Deliveries().DueProjects(ctx, base.Add(time.Second), 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{4}, pids)
	})
	t.Run("RepairIsIdempotent", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		_, err := s.Projects().Create(ctx, &storagev1.Project{Name: "p", Path: "p", NamespacePath: "root"}, &storagev1.Member{UserId: 1, AccessLevel: 50})
		require.NoError(t, err)
		require.NoError(t, s.Deliveries().Repair(ctx), "nothing queued")
		d := enqueue(t, s, 1, 0)
		require.NoError(t, s.Deliveries().Repair(ctx))
		require.NoError(t, s.Deliveries().Repair(ctx))
		pids, err := s.Deliveries().DueProjects(ctx, base, 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{1}, pids)
		due, err := s.Deliveries().Due(ctx, 1, base, 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{ref(d)}, due)
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
