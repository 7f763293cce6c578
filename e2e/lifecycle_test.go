package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

const rootToken = "glpat-e2e-root-token"

// rootClient calls the REST API with a token (root's unless told) and a
// bounded wait, so that a request the server never answers fails the test
// as a hang instead of blocking it.
type rootClient struct {
	base  string
	token string
	http  *http.Client
}

func newRootClient(base string) rootClient { return newTokenClient(base, rootToken) }

func newTokenClient(base, token string) rootClient {
	return rootClient{base: base, token: token, http: &http.Client{Timeout: callTimeout}}
}

// do returns the status and body, or the transport error (a timeout is a
// hang).
func (c rootClient) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("PRIVATE-TOKEN", c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// api calls a running server's REST API as root.
func api(t *testing.T, base, method, path string, body any) (int, []byte) {
	t.Helper()
	status, b, err := newRootClient(base).do(context.Background(), method, path, body)
	require.NoError(t, err)
	return status, b
}

func mustAPI(t *testing.T, base, method, path string, body any) []byte {
	t.Helper()
	status, b := api(t, base, method, path, body)
	require.True(t, status/100 == 2, "%s %s: %d %s", method, path, status, b)
	return b
}

func checkStatus(t *testing.T, base string, iid int) string {
	t.Helper()
	var checks []struct {
		Status string `json:"status"`
	}
	require.NoError(t, json.Unmarshal(mustAPI(t, base, "GET", fmt.Sprintf("/api/v4/projects/1/merge_requests/%d/status_checks", iid), nil), &checks))
	require.NotEmpty(t, checks)
	return checks[0].Status
}

// pushBranches pushes main and the given feature branches to root/demo.
func pushBranches(t testing.TB, base string, features ...string) {
	t.Helper()
	w := gitrepotest.NewWorktree(t)
	w.Git("remote", "add", "origin", strings.Replace(base, "http://", "http://root:"+rootToken+"@", 1)+"/root/demo.git")
	w.Checkout("main")
	w.Commit("init", map[string]string{"README": "hello\n"})
	w.Git("push", "--quiet", "origin", "main")
	for _, f := range features {
		w.Branch(f, "main")
		w.Commit("work on "+f, map[string]string{f: "v1\n"})
		w.Git("push", "--quiet", "origin", f)
	}
}

// countingReceiver answers 200 and counts requests per webhook-id.
type countingReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	ids map[string]int
}

func newCountingReceiver(t *testing.T) *countingReceiver {
	r := &countingReceiver{ids: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.ids[req.Header.Get("Webhook-Id")]++
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *countingReceiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.ids {
		out[k] = v
	}
	return out
}

// TestPendingFailsAcrossAServerCrash: the server is killed while a check is
// pending and started again after its deadline. The check is failed, and the
// restarted server's sweeper writes it down.
func TestPendingFailsAcrossAServerCrash(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	dataDir := t.TempDir()
	args := []string{"--redis-url", redis.URL(), "--data-dir", dataDir, "--root-token", rootToken,
		"--status-check-timeout", "2s", "--log-format", "json"}
	srv := harness.Start(t, binary, nil, args...)
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/external_status_checks",
		map[string]any{"name": "c", "external_url": "https://c.example.test/"})
	pushBranches(t, srv.URL, "feature")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add"})
	require.Equal(t, "pending", checkStatus(t, srv.URL, 1))

	srv.Kill() // no graceful shutdown: a crash
	time.Sleep(3 * time.Second)

	again := harness.Start(t, binary, nil, args...)
	require.Equal(t, "failed", checkStatus(t, again.URL, 1))
	require.Eventually(t, func() bool { return strings.Contains(again.Output(), `"msg":"status check timed out"`) },
		10*time.Second, 50*time.Millisecond, "the restarted sweeper records the overdue failure")
	status, body := api(t, again.URL, "POST", "/api/v4/projects/1/merge_requests/1/status_checks/1/retry", nil)
	require.Equal(t, http.StatusAccepted, status, string(body))
}

// TestTwoReplicasOnOneRedis: two servers share one Redis (and one data
// directory, for the git repositories). Merge requests opened through
// either are delivered exactly once each, and an expired check is failed
// by exactly one of them.
func TestTwoReplicasOnOneRedis(t *testing.T) {
	t.Parallel()
	twoReplicas(t, redistest.New(t).URL())
}

// twoReplicas is TestTwoReplicasOnOneRedis's scenario on the Redis that
// redisURL names (one server, a Cluster, or a primary under Sentinel).
func twoReplicas(t *testing.T, redisURL string) {
	dataDir := t.TempDir()
	args := []string{"--redis-url", redisURL, "--data-dir", dataDir, "--root-token", rootToken,
		"--status-check-timeout", "2s", "--allow-local-network", "--log-format", "json"}
	a := harness.Start(t, binary, nil, args...)
	b := harness.Start(t, binary, nil, args...)
	recv := newCountingReceiver(t)

	mustAPI(t, a.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	mustAPI(t, b.URL, "POST", "/api/v4/projects/1/external_status_checks",
		map[string]any{"name": "c", "external_url": recv.URL + "/hook"})
	const n = 8
	var branches []string
	for i := range n {
		branches = append(branches, fmt.Sprintf("f%d", i))
	}
	pushBranches(t, a.URL, branches...)
	for i, f := range branches {
		base := a.URL
		if i%2 == 1 {
			base = b.URL
		}
		mustAPI(t, base, "POST", "/api/v4/projects/1/merge_requests",
			map[string]any{"source_branch": f, "target_branch": "main", "title": f})
	}

	require.Eventually(t, func() bool { return len(recv.counts()) == n }, 20*time.Second, 50*time.Millisecond)
	// Give a duplicate, if there were one, time to arrive.
	time.Sleep(time.Second)
	for id, count := range recv.counts() {
		require.Equal(t, 1, count, "delivery %s was attempted %d times", id, count)
	}

	// Every check times out; each failure is recorded by one replica only.
	require.Eventually(t, func() bool {
		for i := 1; i <= n; i++ {
			if checkStatus(t, b.URL, i) != "failed" {
				return false
			}
		}
		return true
	}, 20*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		return strings.Count(a.Output()+b.Output(), `"msg":"status check timed out"`) == n
	}, 10*time.Second, 50*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, n, strings.Count(a.Output()+b.Output(), `"msg":"status check timed out"`))
}
