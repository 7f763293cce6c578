package redisstore

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redistest"
	"github.com/signalbox/signalbox/server/store/roundtrip"
)

// TestWrongGuessesCostAReadNeverAnAnswer: every guess a prefetch could make
// is wrong (another user, another project, an old head, a deleted check, a
// pipeline that is not there), and every read still answers with the
// records as they are; the guesses are then corrected, and the next
// prefetch takes one round trip.
func TestWrongGuessesCostAReadNeverAnAnswer(t *testing.T) {
	rdb := redistest.New(t).Client(t)
	rdb.AddHook(roundtrip.Hook{})
	s := New(rdb, WithKeyPrefix(redistest.Prefix(t)))
	ctx := t.Context()

	dev, err := s.Users().Create(ctx, &storagev1.User{Username: "dev", Email: "dev@example.test"})
	require.NoError(t, err)
	other, err := s.Users().Create(ctx, &storagev1.User{Username: "other", Email: "other@example.test"})
	require.NoError(t, err)
	const hash = "feedface"
	_, err = s.Users().CreateToken(ctx, &storagev1.Token{UserId: dev.GetId(), Scopes: []string{"api"}}, hash)
	require.NoError(t, err)
	decoy, err := s.Projects().Create(ctx, &storagev1.Project{Name: "decoy", Path: "decoy", NamespacePath: "root"}, &storagev1.Member{UserId: other.GetId(), AccessLevel: 50})
	require.NoError(t, err)
	p, err := s.Projects().Create(ctx, &storagev1.Project{Name: "p", Path: "p", NamespacePath: "root"}, &storagev1.Member{UserId: dev.GetId(), AccessLevel: 30})
	require.NoError(t, err)
	require.NoError(t, s.Members().Add(ctx, p.GetId(), &storagev1.Member{UserId: other.GetId(), AccessLevel: 50}))
	mr, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: p.GetId(), HeadSha: "new", AuthorId: dev.GetId(), TargetBranch: "main"})
	require.NoError(t, err)
	c, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "ci", ExternalUrl: "https://ci.example.test"})
	require.NoError(t, err)
	for sha, status := range map[string]int32{"old": 2, "new": 3} {
		_, err = s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: p.GetId(), MergeRequestIid: mr.GetIid(), CheckId: c.GetId(), Sha: sha, Status: status})
		require.NoError(t, err)
	}

	g := s.guess
	g.put(guessUser(hash), id(other.GetId()))
	g.put(guessProject("root/p"), id(decoy.GetId()))
	g.put(guessHead(p.GetId(), mr.GetIid()), "old "+id(other.GetId()))
	g.put(guessChecks(p.GetId()), id(c.GetId()+100))
	g.put(guessPipelines(p.GetId(), "new"), "42")

	want := store.Prefetch{TokenHash: hash, Project: "root/p", MergeRequestIID: mr.GetIid(), Checks: true, View: true}
	pctx, done := s.Prefetch(ctx, want)
	tok, err := s.Users().TokenByHash(pctx, hash)
	require.NoError(t, err)
	require.Equal(t, dev.GetId(), tok.GetUserId(), "the token's own user")
	m, err := s.Members().Get(pctx, p.GetId(), dev.GetId())
	require.NoError(t, err)
	require.Equal(t, int32(30), m.GetAccessLevel(), "the caller's membership, not the guessed user's")
	got, err := s.MergeRequests().Get(pctx, p.GetId(), mr.GetIid())
	require.NoError(t, err)
	require.Equal(t, "new", got.GetHeadSha())
	checks, err := s.Checks().List(pctx, p.GetId())
	require.NoError(t, err)
	require.Len(t, checks, 1)
	newest, err := s.Responses().Newest(pctx, p.GetId(), mr.GetIid(), got.GetHeadSha(), []int64{c.GetId()})
	require.NoError(t, err)
	require.Equal(t, int32(3), newest[c.GetId()].GetStatus(), "the answer at the head as it is")
	pipelines, err := s.Pipelines().ForSHA(pctx, p.GetId(), "new")
	require.NoError(t, err)
	require.Empty(t, pipelines)
	done()

	// Corrected: the next prefetch reads all of it in one round trip.
	for key, v := range map[string]string{
		guessUser(hash):                   id(dev.GetId()),
		guessProject("root/p"):            id(p.GetId()),
		guessHead(p.GetId(), mr.GetIid()): "new " + id(dev.GetId()),
		guessChecks(p.GetId()):            id(c.GetId()),
		guessPipelines(p.GetId(), "new"):  "",
	} {
		got, ok := g.get(key)
		require.Equal(t, v, got, key)
		require.Equal(t, v != "", ok, key)
	}
	var count roundtrip.Count
	_, done = s.Prefetch(roundtrip.WithCount(ctx, &count), want)
	done()
	require.EqualValues(t, 1, count.RoundTrips())

	// An unknown token, project or merge request is remembered as nothing.
	_, done = s.Prefetch(ctx, store.Prefetch{TokenHash: "unknown", Project: "root/gone", MergeRequestIID: 99, Checks: true})
	done()
	for _, key := range []string{guessUser("unknown"), guessProject("root/gone")} {
		_, ok := g.get(key)
		require.False(t, ok, key)
	}
}

func TestGuessesStayBounded(t *testing.T) {
	g := newGuesses()
	for i := range maxGuesses + 10 {
		g.put(guessChecks(int64(i)), "1")
	}
	require.LessOrEqual(t, len(g.m), maxGuesses)
	v, ok := g.get(guessChecks(maxGuesses + 9))
	require.True(t, ok)
	require.Equal(t, "1", v)
}

// TestGuessesUnderConcurrentPrefetchesAndPushes: replicas' calls prefetch
// the same merge request at once while its head keeps moving; each call
// sees a head and that head's own answer, and the last call the last head.
// Run with -race, it also holds the guesses' shared table to its lock.
func TestGuessesUnderConcurrentPrefetchesAndPushes(t *testing.T) {
	rdb := redistest.New(t).Client(t)
	s := New(rdb, WithKeyPrefix(redistest.Prefix(t)))
	ctx := t.Context()
	dev, err := s.Users().Create(ctx, &storagev1.User{Username: "dev", Email: "dev@example.test"})
	require.NoError(t, err)
	const hash = "c0ffee"
	_, err = s.Users().CreateToken(ctx, &storagev1.Token{UserId: dev.GetId(), Scopes: []string{"api"}}, hash)
	require.NoError(t, err)
	p, err := s.Projects().Create(ctx, &storagev1.Project{Name: "p", Path: "p", NamespacePath: "root"}, &storagev1.Member{UserId: dev.GetId(), AccessLevel: 30})
	require.NoError(t, err)
	mr, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: p.GetId(), HeadSha: "h0", AuthorId: dev.GetId(), TargetBranch: "main"})
	require.NoError(t, err)
	c, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "ci", ExternalUrl: "https://ci.example.test"})
	require.NoError(t, err)
	answer := func(sha string) {
		_, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: p.GetId(), MergeRequestIid: mr.GetIid(), CheckId: c.GetId(), Sha: sha, Status: 2})
		require.NoError(t, err)
	}
	answer("h0")

	const heads, readers, calls = 20, 6, 40
	want := store.Prefetch{TokenHash: hash, Project: "root/p", MergeRequestIID: mr.GetIid(), Checks: true, View: true}
	var wg sync.WaitGroup
	errs := make(chan error, readers*calls+1)
	for range readers {
		wg.Go(func() {
			for range calls {
				pctx, done := s.Prefetch(ctx, want)
				got, err := s.MergeRequests().Get(pctx, p.GetId(), mr.GetIid())
				if err == nil {
					var newest map[int64]*storagev1.StatusCheckResponse
					newest, err = s.Responses().Newest(pctx, p.GetId(), mr.GetIid(), got.GetHeadSha(), []int64{c.GetId()})
					if err == nil && newest[c.GetId()].GetSha() != got.GetHeadSha() {
						err = fmt.Errorf("head %s read with the answer at %q", got.GetHeadSha(), newest[c.GetId()].GetSha())
					}
				}
				done()
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i := 1; i <= heads; i++ {
			sha := fmt.Sprintf("h%d", i)
			answer(sha) // the answer lands before the head moves to it
			next := proto.CloneOf(mr)
			next.HeadSha = sha
			if err := s.MergeRequests().Update(ctx, next); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	pctx, done := s.Prefetch(ctx, want)
	defer done()
	got, err := s.MergeRequests().Get(pctx, p.GetId(), mr.GetIid())
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("h%d", heads), got.GetHeadSha())
}
