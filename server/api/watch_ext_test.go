package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/servertest"
)

// watch opens a watch stream on !1 as the holder of token, over HTTP, and
// returns it after its first snapshot.
func (g *gate) watch(t *testing.T, ctx context.Context, token string) *signalboxv1connect.MergeRequestServiceWatchMergeRequestClientStream {
	t.Helper()
	stream, err := g.mergeRequests().WatchMergeRequest(as(ctx, token), &signalboxv1.WatchMergeRequestRequest{Project: "root/p", MergeRequestIid: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = stream.Close() })
	first, err := stream.Receive()
	require.NoError(t, err)
	require.EqualValues(t, 1, first.GetMergeRequest().GetIid())
	return &stream
}

// rename changes !1's title as root, which wakes every watcher of it.
func (g *gate) rename(t *testing.T, title string) {
	t.Helper()
	g.srv.Root(t, "PUT", "/api/v4/projects/1/merge_requests/1", map[string]any{"title": title}, nil)
}

// awaitTitle reads snapshots until one has the title.
func awaitTitle(t *testing.T, stream *signalboxv1connect.MergeRequestServiceWatchMergeRequestClientStream, title string) {
	t.Helper()
	for {
		res, err := stream.Receive()
		require.NoError(t, err)
		if res.GetMergeRequest().GetTitle() == title {
			return
		}
	}
}

// requireEnds reads the stream until it ends and checks how: no snapshot
// may come after the caller lost the right to see one.
func requireEnds(t *testing.T, stream *signalboxv1connect.MergeRequestServiceWatchMergeRequestClientStream, want connect.Code) {
	t.Helper()
	res, err := stream.Receive()
	require.Error(t, err, "the stream sent a snapshot after its caller lost access: %v", res)
	require.Equal(t, want, connect.CodeOf(err), "%v", err)
}

// callCtx bounds a test's calls, so a stream that never ends fails the test
// instead of hanging it.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestWatchEndsWhenItsTokenIsRevoked: a developer watches a merge request,
// then revokes their token through the API. The next change does not reach
// them: the stream ends with Unauthenticated, as any other call would.
func TestWatchEndsWhenItsTokenIsRevoked(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	_, dev := g.user(t, "dev", 30, "")
	stream := g.watch(t, callCtx(t), dev)

	g.rename(t, "Add app, take 2")
	awaitTitle(t, stream, "Add app, take 2")

	_, err := g.users().RevokeCurrentPersonalAccessToken(as(t.Context(), dev), &signalboxv1.RevokeCurrentPersonalAccessTokenRequest{})
	require.NoError(t, err)
	g.rename(t, "Add app, take 3")
	requireEnds(t, stream, connect.CodeUnauthenticated)
}

// TestWatchEndsWhenItsTokenExpires: the token's expiry day comes while the
// stream is open.
func TestWatchEndsWhenItsTokenExpires(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	tomorrow := servertest.Epoch().AddDate(0, 0, 1).Format("2006-01-02")
	_, dev := g.user(t, "dev", 30, tomorrow)
	stream := g.watch(t, callCtx(t), dev)

	g.srv.Clock.Advance(24 * time.Hour)
	g.rename(t, "Add app, take 2")
	requireEnds(t, stream, connect.CodeUnauthenticated)
}

// TestWatchEndsWhenAccessIsLost: a developer removed from the private
// project, or one demoted to guest (who may not read its merge requests),
// hears PermissionDenied at the next change.
func TestWatchEndsWhenAccessIsLost(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	removedID, removed := g.user(t, "removed", 30, "")
	demotedID, demoted := g.user(t, "demoted", 30, "")
	removedStream := g.watch(t, callCtx(t), removed)
	demotedStream := g.watch(t, callCtx(t), demoted)

	g.srv.Root(t, "DELETE", fmt.Sprintf("/api/v4/projects/1/members/%d", removedID), nil, nil)
	g.srv.Root(t, "PUT", fmt.Sprintf("/api/v4/projects/1/members/%d", demotedID), map[string]any{"access_level": 10}, nil)
	g.rename(t, "Add app, take 2")
	requireEnds(t, removedStream, connect.CodePermissionDenied)
	requireEnds(t, demotedStream, connect.CodePermissionDenied)
}

// TestWatchRechecksWithoutChanges: nothing happens to the merge request
// after the token is revoked, and the stream still ends, within the recheck
// period, instead of idling on until its next refresh.
func TestWatchRechecksWithoutChanges(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	_, dev := g.user(t, "dev", 30, "")
	// Well under the 30 s refresh, so only a recheck can end the stream in
	// time.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	stream := g.watch(t, ctx, dev)

	_, err := g.users().RevokeCurrentPersonalAccessToken(as(t.Context(), dev), &signalboxv1.RevokeCurrentPersonalAccessTokenRequest{})
	require.NoError(t, err)
	requireEnds(t, stream, connect.CodeUnauthenticated)
}

// TestWatchStreamsPerUserAreBounded: with --max-watch-streams-per-user 2, a
// user's third stream is refused with ResourceExhausted while another
// user's is not, and closing one frees its place.
func TestWatchStreamsPerUserAreBounded(t *testing.T) {
	t.Parallel()
	g := newGate(t, servertest.WithConfig(func(c *config.Config) { c.MaxWatchStreamsPerUser = 2 }))
	_, dev := g.user(t, "dev", 30, "")

	open := func(ctx context.Context, token string) error {
		stream, err := g.mergeRequests().WatchMergeRequest(as(ctx, token), &signalboxv1.WatchMergeRequestRequest{Project: "root/p", MergeRequestIid: 1})
		if err != nil {
			return err
		}
		t.Cleanup(func() { _ = stream.Close() })
		_, err = stream.Receive()
		return err
	}
	firstCtx, closeFirst := context.WithCancel(callCtx(t))
	require.NoError(t, open(firstCtx, dev))
	require.NoError(t, open(callCtx(t), dev))
	err := open(callCtx(t), dev)
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	require.NoError(t, open(callCtx(t), servertest.RootToken), "another user has places of their own")

	closeFirst()
	require.Eventually(t, func() bool { return open(callCtx(t), dev) == nil }, 30*time.Second, 20*time.Millisecond,
		"a closed stream gives its place back")
}
