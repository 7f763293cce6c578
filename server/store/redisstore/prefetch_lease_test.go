package redisstore

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestPrefetchTakesAPairLeaseOnlyForAKnownAnswerer: a read ahead runs
// before auth, so it takes an answer's pair lease only for a token whose
// caller wrote an answer in the project through this replica; a lease it
// took and the call did not claim is free again when the call ends, and
// that caller gets none from a read ahead until it answers again.
func TestPrefetchTakesAPairLeaseOnlyForAKnownAnswerer(t *testing.T) {
	rdb := redistest.New(t).Client(t)
	s := New(rdb, WithKeyPrefix(redistest.Prefix(t)))
	ctx := t.Context()
	pairLease := func(pid int64) string { return fmt.Sprintf("response:%d:1:7", pid) }
	name := pairLease(1)
	p := store.Prefetch{TokenHash: "token-hash", Project: "1", MergeRequestIID: 1, CheckID: 7, View: true,
		Lease: pairLease, LeaseTTL: time.Minute}
	holder := func() string {
		v, err := rdb.Get(ctx, s.keys.lease(name)).Result()
		if errors.Is(err, redis.Nil) {
			return ""
		}
		require.NoError(t, err)
		return v
	}
	write := func(t *testing.T, p store.Prefetch) {
		t.Helper()
		pctx, done := s.Prefetch(ctx, p)
		defer done()
		id, ok, err := s.Responses().NextIDLeased(pctx, name, "writer", time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, s.Responses().ReplaceReleasing(pctx, &storagev1.StatusCheckResponse{
			Id: id, ProjectId: 1, MergeRequestIid: 1, CheckId: 7, Sha: "abc", Status: 1}, name))
	}

	// A caller never seen answering: no lease.
	pctx, done := s.Prefetch(ctx, p)
	_, ok := store.ClaimPrefetchedLease(pctx, name)
	require.False(t, ok)
	require.Empty(t, holder())
	done()

	// Another token's answer teaches nothing about this one.
	other := p
	other.TokenHash = "other-hash"
	write(t, other)
	pctx, done = s.Prefetch(ctx, p)
	require.Empty(t, holder())
	done()

	// This token's answer: its next read ahead takes the lease, first.
	write(t, p)
	require.Empty(t, holder(), "the answer gave its lease back")
	pctx, done = s.Prefetch(ctx, p)
	taken := holder()
	require.NotEmpty(t, taken, "the read ahead took the lease")
	ok, err := s.Leases().Acquire(ctx, name, "someone else", time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "the lease is the call's")
	_, ok = store.ClaimPrefetchedLease(pctx, pairLease(2))
	require.False(t, ok, "another pair's lease is not claimed")
	_, ok = store.ClaimPrefetchedLease(ctx, name)
	require.False(t, ok, "another call does not claim it")
	// Not claimed (the call failed before its write): free at the end.
	done()
	require.Empty(t, holder(), "an unclaimed lease is released when the call ends")
	_, ok = store.ClaimPrefetchedLease(pctx, name)
	require.False(t, ok, "no claim after the call ended")
	// ...and not taken again for this caller until it answers again.
	pctx, done = s.Prefetch(ctx, p)
	require.Empty(t, holder())
	done()

	// Claimed: the claimant holds it past the call's end, and gives it back
	// with its write.
	write(t, p)
	pctx, done = s.Prefetch(ctx, p)
	held, ok := store.ClaimPrefetchedLease(pctx, name)
	require.True(t, ok)
	require.Equal(t, holder(), held.Holder)
	require.NotZero(t, held.ID)
	require.False(t, held.Asked.IsZero())
	_, ok = store.ClaimPrefetchedLease(pctx, name)
	require.False(t, ok, "claimed once")
	require.NoError(t, s.Responses().ReplaceReleasing(pctx, &storagev1.StatusCheckResponse{
		Id: held.ID, ProjectId: 1, MergeRequestIid: 1, CheckId: 7, Sha: "abc", Status: 1}, name))
	require.Empty(t, holder())
	done()

	// A lease already held by another writer is not the call's.
	ok, err = s.Leases().Acquire(ctx, name, "someone else", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	pctx, done = s.Prefetch(ctx, p)
	_, ok = store.ClaimPrefetchedLease(pctx, name)
	require.False(t, ok)
	done()
	require.Equal(t, "someone else", holder(), "the end of the call leaves another holder's lease alone")
}
