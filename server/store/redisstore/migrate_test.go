package redisstore_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestMigrateLegacyCars: cars stored one by one, as before train records,
// become the record of their train on start, a merging car with the landing
// it was making; the old keys and old-form dirty marks go; a second start
// changes nothing.
func TestMigrateLegacyCars(t *testing.T) {
	r := redistest.New(t)
	rdb := r.Client(t)
	prefix := redistest.Prefix(t)
	s := redisstore.New(rdb, redisstore.WithKeyPrefix(prefix))
	ctx := t.Context()
	p, err := s.Projects().Create(ctx, &storagev1.Project{Name: "p", Path: "p", NamespacePath: "root"}, &storagev1.Member{UserId: 1, AccessLevel: 50})
	require.NoError(t, err)
	tag := prefix + "{p:" + itoa(p.GetId()) + "}:"
	legacy := func(c *storagev1.Car) string {
		b, err := proto.Marshal(c)
		require.NoError(t, err)
		// The abort fields of old records (17-19) are unknown now: ignored.
		b = protowire.AppendTag(b, 17, protowire.VarintType)
		b = protowire.AppendVarint(b, 9)
		return string(b)
	}
	require.NoError(t, rdb.HSet(ctx, tag+"cars",
		"7", legacy(&storagev1.Car{Id: 7, ProjectId: p.GetId(), TargetBranch: "main", MergeRequestIid: 2, State: 3, TrainSha: "c7", BaseSha: "c5"}),
		"5", legacy(&storagev1.Car{Id: 5, ProjectId: p.GetId(), TargetBranch: "main", MergeRequestIid: 1, State: 4, TrainSha: "c5", BaseSha: "t0"}),
		"9", legacy(&storagev1.Car{Id: 9, ProjectId: p.GetId(), TargetBranch: "release", MergeRequestIid: 3, State: 0}),
	).Err())
	require.NoError(t, rdb.HSet(ctx, tag+"cars:by_mr", "1", "5", "2", "7", "3", "9").Err())
	require.NoError(t, rdb.SAdd(ctx, prefix+"trains:dirty", itoa(p.GetId())+":main").Err())

	require.NoError(t, s.MigrateLegacyCars(ctx))
	main, err := s.Trains().Load(ctx, store.TrainRef{ProjectID: p.GetId(), Branch: "main"})
	require.NoError(t, err)
	require.EqualValues(t, 1, main.GetVersion())
	require.Len(t, main.GetCars(), 2)
	require.EqualValues(t, 5, main.GetCars()[0].GetId(), "in id order")
	require.Equal(t, "c5", main.GetCars()[0].GetMergeSha(), "a merging car lands its tested commit")
	require.Equal(t, "t0", main.GetCars()[0].GetMergeFromSha())
	release, err := s.Trains().Load(ctx, store.TrainRef{ProjectID: p.GetId(), Branch: "release"})
	require.NoError(t, err)
	require.Len(t, release.GetCars(), 1)
	n, err := rdb.Exists(ctx, tag+"cars", tag+"cars:by_mr").Result()
	require.NoError(t, err)
	require.Zero(t, n, "the old keys are gone")
	dirty, err := s.Trains().Dirty(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{p.GetId()}, dirty, "old marks replaced by the project's")

	require.NoError(t, s.MigrateLegacyCars(ctx))
	again, err := s.Trains().Load(ctx, store.TrainRef{ProjectID: p.GetId(), Branch: "main"})
	require.NoError(t, err)
	require.EqualValues(t, 1, again.GetVersion(), "a second start changes nothing")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
