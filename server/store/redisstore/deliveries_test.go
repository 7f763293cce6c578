package redisstore_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/embedded"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// backends gives each test a client and a key prefix on both backends, for
// tests that must look at keys themselves: what a crash or an earlier
// version leaves behind cannot be made through the store's own methods.
func backends(t *testing.T, run func(t *testing.T, rdb redis.UniversalClient, prefix string)) {
	t.Run("RealRedis", func(t *testing.T) {
		r := redistest.New(t)
		run(t, r.Client(t), redistest.Prefix(t))
	})
	t.Run("Embedded", func(t *testing.T) {
		srv, err := embedded.Start(t.TempDir(), slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		rdb := redis.NewClient(srv.Options())
		t.Cleanup(func() {
			rdb.Close()
			srv.Close()
		})
		run(t, rdb, "sb:")
	})
}

// TestRepairIndexesAQueueACrashLeftUnindexed: a process that dies between
// the transaction that queues deliveries and the index write leaves a queue
// no worker visits; Repair finds it through the list of projects.
func TestRepairIndexesAQueueACrashLeftUnindexed(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		ctx := t.Context()
		s := redisstore.New(rdb, redisstore.WithKeyPrefix(prefix))
		p, err := s.Projects().Create(ctx, &storagev1.Project{Name: "p", Path: "p", NamespacePath: "root"}, &storagev1.Member{UserId: 1, AccessLevel: 50})
		require.NoError(t, err)
		base := time.UnixMilli(1_700_000_000_000)
		d, err := s.Deliveries().Enqueue(ctx, &storagev1.Delivery{ProjectId: p.GetId(), CheckId: 1, NextAttemptTime: timestamppb.New(base)})
		require.NoError(t, err)
		// The index write is lost.
		require.NoError(t, rdb.ZRem(ctx, prefix+"deliveries:projects", p.GetId()).Err())
		pids, err := s.Deliveries().DueProjects(ctx, base, 0, 10)
		require.NoError(t, err)
		require.Empty(t, pids)

		require.NoError(t, s.Deliveries().Repair(ctx))
		pids, err = s.Deliveries().DueProjects(ctx, base, 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{p.GetId()}, pids)
		due, err := s.Deliveries().Due(ctx, p.GetId(), base, 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{{ProjectID: p.GetId(), ID: d.GetId()}}, due)
	})
}

// TestRepairMovesTheSharedQueueOfEarlierVersions: deliveries that a version
// with one queue for every project left queued are moved to their projects'
// queues, and the old queue is emptied.
func TestRepairMovesTheSharedQueueOfEarlierVersions(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient, prefix string) {
		ctx := t.Context()
		s := redisstore.New(rdb, redisstore.WithKeyPrefix(prefix))
		base := time.UnixMilli(1_700_000_000_000)
		require.NoError(t, rdb.ZAdd(ctx, prefix+"deliveries:due",
			redis.Z{Score: float64(base.UnixMilli()), Member: "4:10"},
			redis.Z{Score: float64(base.Add(time.Second).UnixMilli()), Member: "5:11"},
			redis.Z{Score: 1, Member: "not-a-delivery"}).Err())

		require.NoError(t, s.Deliveries().Repair(ctx))
		n, err := rdb.ZCard(ctx, prefix+"deliveries:due").Result()
		require.NoError(t, err)
		require.Zero(t, n)
		pids, err := s.Deliveries().DueProjects(ctx, base.Add(time.Second), 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{4, 5}, pids)
		due, err := s.Deliveries().Due(ctx, 5, base.Add(time.Second), 10)
		require.NoError(t, err)
		require.Equal(t, []store.DeliveryRef{{ProjectID: 5, ID: 11}}, due)
	})
}
