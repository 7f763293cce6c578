package statuscheck_test

import (
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/servertest"
)

func statusOf(t *testing.T, srv *servertest.Server) string {
	t.Helper()
	var checks []struct {
		Status string `json:"status"`
	}
	srv.Root(t, "GET", "/api/v4/projects/1/merge_requests/1/status_checks", nil, &checks)
	require.Len(t, checks, 1)
	return checks[0].Status
}

func setUp(t *testing.T, srv *servertest.Server, check map[string]any) string {
	t.Helper()
	srv.Root(t, "POST", "/api/v4/projects", map[string]any{"name": "demo"}, nil)
	srv.Root(t, "POST", "/api/v4/projects/1/external_status_checks", check, nil)
	w := srv.Clone(t, "root/demo")
	w.Push("main", "", map[string]string{"README": "hello\n"})
	return w.Push("feature", "main", map[string]string{"app": "v1\n"})
}

// TestPendingFailsWithinASecondOfItsDeadline: a check's own one-second
// timeout. A watcher hears the flip to failed less than a second after the
// deadline, on the wall clock.
func TestPendingFailsWithinASecondOfItsDeadline(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t, servertest.RealClock())
	setUp(t, srv, map[string]any{"name": "slow", "external_url": "https://slow.example.test/", "timeout_seconds": 1})

	client := signalboxv1connect.NewMergeRequestServiceClient(connect.NewClient(connecthttp.NewTransport(http.DefaultClient, srv.URL)))
	start := time.Now()
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add app"}, nil)
	require.Equal(t, "pending", statusOf(t, srv))

	ctx, info := connect.NewClientContext(t.Context())
	info.RequestHeader().Set("Authorization", "Bearer "+servertest.RootToken)
	stream, err := client.WatchMergeRequest(ctx, &signalboxv1.WatchMergeRequestRequest{Project: "root/demo", MergeRequestIid: 1})
	require.NoError(t, err)
	defer stream.Close()
	for {
		res, err := stream.Receive()
		require.NoError(t, err)
		if res.GetStatusChecks()[0].GetStatus() == signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED {
			break
		}
	}
	// The deadline is at least start+1s, so this bounds the lateness.
	late := time.Since(start) - time.Second
	require.Less(t, late, time.Second, "failed %s after the earliest possible deadline", late)
	require.Equal(t, "failed", statusOf(t, srv))
}

// TestProjectTimeoutAppliesAndCanBeRetried: with no timeout on the check,
// the project's applies; past it the response is failed, a retry (which
// needs a failed response) is accepted, and it starts a fresh timeout.
func TestProjectTimeoutAppliesAndCanBeRetried(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	setUp(t, srv, map[string]any{"name": "c", "external_url": "https://c.example.test/"})
	srv.Root(t, "PUT", "/api/v4/projects/1", map[string]any{"status_check_timeout_seconds": 30}, nil)
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add app"}, nil)

	srv.Clock.Advance(29 * time.Second)
	require.Equal(t, "pending", statusOf(t, srv))
	srv.Clock.Advance(time.Second)
	require.Equal(t, "failed", statusOf(t, srv), "failed on the deadline itself")

	status, body := srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/merge_requests/1/status_checks/1/retry", nil)
	require.Equal(t, http.StatusAccepted, status, string(body))
	require.Equal(t, "pending", statusOf(t, srv))
	srv.Clock.Advance(29 * time.Second)
	require.Equal(t, "pending", statusOf(t, srv), "a retry starts a fresh timeout")
	srv.Clock.Advance(2 * time.Second)
	require.Equal(t, "failed", statusOf(t, srv))
}

// TestExplicitPendingAlsoTimesOut: an external service that says "pending"
// gets a deadline too.
func TestExplicitPendingAlsoTimesOut(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	head := setUp(t, srv, map[string]any{"name": "c", "external_url": "https://c.example.test/"})
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add app"}, nil)
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"external_status_check_id": 1, "sha": head, "status": "passed"}, nil)
	srv.Clock.Advance(time.Minute)
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"external_status_check_id": 1, "sha": head, "status": "pending"}, nil)
	require.Equal(t, "pending", statusOf(t, srv))
	srv.Clock.Advance(2 * time.Minute) // the server default in tests
	require.Equal(t, "failed", statusOf(t, srv))
}
