package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

// testNextIDLeased: an answer's id and its pair lease in one call.
func testNextIDLeased(t *testing.T, h Harness) {
	s := h(t)
	ctx := t.Context()
	first, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 1, MergeRequestIid: 1, CheckId: 1, Sha: "a"})
	require.NoError(t, err)
	id, ok, err := s.Responses().NextIDLeased(ctx, "pair:1", "a", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	require.Greater(t, id, first.GetId(), "ids come from the sequence Put draws from")
	again, ok, err := s.Responses().NextIDLeased(ctx, "pair:1", "b", time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "the lease is a's")
	require.Greater(t, again, id, "an id is drawn whether or not the lease is taken")
	ok, err = s.Leases().Acquire(ctx, "pair:1", "c", time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "NextIDLeased took the lease as Acquire does")
	require.NoError(t, s.Leases().Release(ctx, "pair:1", "a"))
	ok, err = s.Leases().Acquire(ctx, "pair:1", "c", time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "and Release gives it back")
}

// testReplaceReleasing: an answer's write gives its pair lease back, and
// is what Replace writes: the response, its deadline entry, the dirty mark.
func testReplaceReleasing(t *testing.T, h Harness) {
	s := h(t)
	ctx := t.Context()
	id, ok, err := s.Responses().NextIDLeased(ctx, "pair:1", "a", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.Leases().Acquire(ctx, "pair:2", "c", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	deadline := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	r := &storagev1.StatusCheckResponse{
		Id: id, ProjectId: 7, MergeRequestIid: 2, CheckId: 3, Sha: "aaa",
		Status: 1, Deadline: timestamppb.New(deadline),
	}
	require.NoError(t, s.Responses().ReplaceReleasing(ctx, r, "pair:1"))

	got, err := s.Responses().Newest(ctx, 7, 2, "aaa", []int64{3})
	require.NoError(t, err)
	require.Equal(t, id, got[3].GetId())
	due, err := s.Responses().Due(ctx, time.Now(), 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "a pending answer's deadline is indexed")
	require.Equal(t, id, due[0].ResponseID)
	dirty, err := s.Trains().Dirty(ctx)
	require.NoError(t, err)
	require.Contains(t, dirty, int64(7), "trains and auto-merges look again")
	ok, err = s.Leases().Acquire(ctx, "pair:1", "b", time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "the lease was given back with the write")
	ok, err = s.Leases().Acquire(ctx, "pair:2", "d", time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "only the lease named is given back")
}

// testPrefetch: a store that prefetches answers a request's reads from what
// it read ahead, absent records included, and nothing after done.
func testPrefetch(t *testing.T, h Harness) {
	s := h(t)
	pf, ok := s.(store.Prefetcher)
	if !ok {
		t.Skip("this store does not prefetch")
	}
	ctx := t.Context()
	u, err := s.Users().Create(ctx, &storagev1.User{Username: "dev", Email: "dev@example.test"})
	require.NoError(t, err)
	const hash = "0123abcd"
	_, err = s.Users().CreateToken(ctx, &storagev1.Token{UserId: u.GetId(), Scopes: []string{"api"}}, hash)
	require.NoError(t, err)
	p, err := s.Projects().Create(ctx, &storagev1.Project{Name: "p", Path: "p", NamespacePath: "root"}, &storagev1.Member{UserId: u.GetId(), AccessLevel: 30})
	require.NoError(t, err)
	mr, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: p.GetId(), HeadSha: "aaa", AuthorId: u.GetId(), TargetBranch: "main"})
	require.NoError(t, err)
	c, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "ci", ExternalUrl: "https://ci.example.test"})
	require.NoError(t, err)
	_, err = s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: p.GetId(), MergeRequestIid: mr.GetIid(), CheckId: c.GetId(), Sha: "aaa", Status: 2})
	require.NoError(t, err)

	for _, ref := range []string{"1", "root/p"} {
		pctx, done := pf.Prefetch(ctx, store.Prefetch{TokenHash: hash, Project: ref, MergeRequestIID: mr.GetIid(), Checks: true, View: true})
		// A change after the prefetch: the request reads the record as it
		// was when it was read ahead, as it would had it read it first.
		require.NoError(t, s.Members().Remove(ctx, p.GetId(), u.GetId()))
		m, err := s.Members().Get(pctx, p.GetId(), u.GetId())
		require.NoError(t, err)
		require.Equal(t, int32(30), m.GetAccessLevel())
		tok, err := s.Users().TokenByHash(pctx, hash)
		require.NoError(t, err)
		require.Equal(t, u.GetId(), tok.GetUserId())
		_, err = s.Users().TokenByHash(pctx, "not-read-ahead")
		require.ErrorIs(t, err, store.ErrNotFound)
		got, err := s.MergeRequests().Get(pctx, p.GetId(), mr.GetIid())
		require.NoError(t, err)
		require.Equal(t, "aaa", got.GetHeadSha())
		_, err = s.MergeRequests().Get(pctx, p.GetId(), mr.GetIid()+1)
		require.ErrorIs(t, err, store.ErrNotFound)
		checks, err := s.Checks().List(pctx, p.GetId())
		require.NoError(t, err)
		require.Len(t, checks, 1)
		newest, err := s.Responses().Newest(pctx, p.GetId(), mr.GetIid(), "aaa", []int64{c.GetId()})
		require.NoError(t, err)
		require.Equal(t, int32(2), newest[c.GetId()].GetStatus())
		pipelines, err := s.Pipelines().ForSHA(pctx, p.GetId(), "aaa")
		require.NoError(t, err)
		require.Empty(t, pipelines)

		// After done, every read goes to the backend again.
		done()
		_, err = s.Members().Get(pctx, p.GetId(), u.GetId())
		require.ErrorIs(t, err, store.ErrNotFound, "the removal shows once the call is over (ref %s)", ref)
		require.NoError(t, s.Members().Add(ctx, p.GetId(), &storagev1.Member{UserId: u.GetId(), AccessLevel: 30}))
	}

	// The records change after the prefetches above (writes do not tell a
	// store's prefetch, just as another replica's would not): a new head
	// with its own answer, a second check. A prefetch now reads them as they
	// are, whatever earlier ones found.
	mr.HeadSha = "bbb"
	require.NoError(t, s.MergeRequests().Update(ctx, mr))
	c2, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "lint", ExternalUrl: "https://lint.example.test"})
	require.NoError(t, err)
	_, err = s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: p.GetId(), MergeRequestIid: mr.GetIid(), CheckId: c2.GetId(), Sha: "bbb", Status: 3})
	require.NoError(t, err)
	for _, ref := range []string{"1", "root/p"} {
		pctx, done := pf.Prefetch(ctx, store.Prefetch{TokenHash: hash, Project: ref, MergeRequestIID: mr.GetIid(), Checks: true, View: true})
		got, err := s.MergeRequests().Get(pctx, p.GetId(), mr.GetIid())
		require.NoError(t, err)
		require.Equal(t, "bbb", got.GetHeadSha(), "the head as it is now (ref %s)", ref)
		checks, err := s.Checks().List(pctx, p.GetId())
		require.NoError(t, err)
		require.Len(t, checks, 2, "the check added since (ref %s)", ref)
		newest, err := s.Responses().Newest(pctx, p.GetId(), mr.GetIid(), "bbb", []int64{c.GetId(), c2.GetId()})
		require.NoError(t, err)
		require.NotContains(t, newest, c.GetId(), "no answer of the first check at the new head (ref %s)", ref)
		require.Equal(t, int32(3), newest[c2.GetId()].GetStatus(), "the answer at the new head (ref %s)", ref)
		done()
	}
}
