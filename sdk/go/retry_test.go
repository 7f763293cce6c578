package signalbox_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
)

// fastRetry keeps the waits short so the tests do not dawdle; the waits
// themselves are tested in retry_internal_test.go.
func fastRetry(attempts int) signalbox.Option {
	return signalbox.WithRetry(attempts, time.Millisecond, time.Millisecond)
}

func TestRetryReadsOnUnavailable(t *testing.T) {
	t.Parallel()
	for name, protocol := range protocols() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := &flaky{failures: 2}
			c, err := signalbox.New(serveFlaky(t, f), protocol, fastRetry(3))
			require.NoError(t, err)

			ctx, info := connect.NewClientContext(t.Context())
			res, err := c.Projects.ListProjects(ctx, &signalboxv1.ListProjectsRequest{})
			require.NoError(t, err)
			require.Equal(t, "root/demo", res.GetProjects()[0].GetPathWithNamespace())
			require.EqualValues(t, 3, f.calls.Load())
			require.Equal(t, []string{"3"}, info.ResponseHeader().Values("X-Attempt"))
			require.False(t, info.ResponseHeader().Has("X-Failed"), "the metadata is the answering attempt's alone")
			require.False(t, info.ResponseTrailer().Has("X-Failed"))
		})
	}
}

func TestRetryNeverRetriesWrites(t *testing.T) {
	t.Parallel()
	for name, protocol := range protocols() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := &flaky{failures: 2}
			c, err := signalbox.New(serveFlaky(t, f), protocol, fastRetry(3))
			require.NoError(t, err)

			_, err = c.Projects.CreateProject(t.Context(), &signalboxv1.CreateProjectRequest{Path: "demo"})
			require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
			require.EqualValues(t, 1, f.calls.Load(), "a write that may have happened is not sent again")
		})
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	f := &flaky{failures: 100}
	c, err := signalbox.New(serveFlaky(t, f), fastRetry(4))
	require.NoError(t, err)
	_, err = c.Projects.ListProjects(t.Context(), &signalboxv1.ListProjectsRequest{})
	require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
	require.EqualValues(t, 4, f.calls.Load())
}

func TestRetryOnlyUnavailable(t *testing.T) {
	t.Parallel()
	f := &flaky{failures: 1, code: connect.CodeInternal}
	c, err := signalbox.New(serveFlaky(t, f), fastRetry(3))
	require.NoError(t, err)
	_, err = c.Projects.ListProjects(t.Context(), &signalboxv1.ListProjectsRequest{})
	require.Equal(t, connect.CodeInternal, connect.CodeOf(err))
	require.EqualValues(t, 1, f.calls.Load())
}

func TestRetryOffWithOneAttempt(t *testing.T) {
	t.Parallel()
	f := &flaky{failures: 1}
	c, err := signalbox.New(serveFlaky(t, f), signalbox.WithRetry(1, 0, 0))
	require.NoError(t, err)
	_, err = c.Projects.ListProjects(t.Context(), &signalboxv1.ListProjectsRequest{})
	require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
	require.EqualValues(t, 1, f.calls.Load())
}

func TestRetryIsOnByDefault(t *testing.T) {
	t.Parallel()
	f := &flaky{failures: 2}
	c, err := signalbox.New(serveFlaky(t, f))
	require.NoError(t, err)
	_, err = c.Projects.ListProjects(t.Context(), &signalboxv1.ListProjectsRequest{})
	require.NoError(t, err)
	require.EqualValues(t, 3, f.calls.Load())
}

// TestRetryWhenNoServer covers the commonest Unavailable: nothing listens.
// The caller's interceptor sees one call, the retries happen inside it.
func TestRetryWhenNoServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	var dials atomic.Int32
	dialer := &net.Dialer{}
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}}
	seen := newCalls()
	c, err := signalbox.New(url, fastRetry(3), signalbox.WithInterceptors(seen.interceptor()),
		signalbox.WithHTTPClient(&http.Client{Transport: transport}))
	require.NoError(t, err)
	_, err = c.Projects.GetProject(t.Context(), &signalboxv1.GetProjectRequest{Project: "1"})
	require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
	require.EqualValues(t, 3, dials.Load())
	require.Equal(t, 1, seen.of("/signalbox.v1.ProjectService/GetProject"))
}

func TestRetryStreamsOnlyBeforeTheFirstMessage(t *testing.T) {
	t.Parallel()
	for name, protocol := range protocols() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := &signalboxv1.WatchMergeRequestRequest{Project: "root/demo", MergeRequestIid: 4}

			// Failing before anything was sent: the watch starts over.
			f := &flaky{failures: 2}
			c, err := signalbox.New(serveFlaky(t, f), protocol, fastRetry(3))
			require.NoError(t, err)
			stream, err := c.MergeRequests.WatchMergeRequest(t.Context(), req)
			require.NoError(t, err)
			var titles []string
			for {
				msg, err := stream.Receive()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err)
				titles = append(titles, msg.GetMergeRequest().GetTitle())
			}
			require.Equal(t, []string{"update a", "update b"}, titles)
			require.EqualValues(t, 3, f.calls.Load())

			// Failing after a message: the caller gets the error, since
			// starting over would show it the first message again.
			f = &flaky{failAfterFirst: true}
			c, err = signalbox.New(serveFlaky(t, f), protocol, fastRetry(3))
			require.NoError(t, err)
			stream, err = c.MergeRequests.WatchMergeRequest(t.Context(), req)
			require.NoError(t, err)
			defer stream.Close()
			msg, err := stream.Receive()
			require.NoError(t, err)
			require.Equal(t, "update a", msg.GetMergeRequest().GetTitle())
			_, err = stream.Receive()
			require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
			require.EqualValues(t, 1, f.calls.Load())
		})
	}
}
