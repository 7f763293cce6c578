package e2e_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
)

// startCheckService builds and runs the example check service from
// sdk/go/example/checkservice and returns its webhook URL.
func startCheckService(t *testing.T, signalboxURL, token, secret string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "checkservice")
	build := exec.Command("go", "build", "-o", bin, "./sdk/go/example/checkservice")
	build.Dir = harness.RepoRoot()
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--signalbox-url", signalboxURL)
	cmd.Env = append(os.Environ(), "SIGNALBOX_TOKEN="+token, "CHECKSERVICE_SECRET="+secret)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Its first log line says where it listens.
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(lines.Bytes(), &line) == nil && line.Msg == "listening" {
			go func() {
				for lines.Scan() {
				}
			}()
			return "http://" + line.Addr + "/hook"
		}
	}
	t.Fatal("the check service exited before listening")
	return ""
}

// TestExampleCheckServiceAnswersThroughTheSDK: the example check service,
// built on sdk/go/receiver, verifies the signed delivery and answers for
// the right sha: "passed" for an ordinary title, "failed" for "[fail]".
func TestExampleCheckServiceAnswersThroughTheSDK(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, binary, nil, "--data-dir", t.TempDir(), "--root-token", rootToken, "--allow-local-network")
	hook := startCheckService(t, srv.URL, rootToken, "policy-secret")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/external_status_checks",
		map[string]any{"name": "policy", "external_url": hook, "shared_secret": "policy-secret"})
	pushBranches(t, srv.URL, "good", "bad")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": "good", "target_branch": "main", "title": "Good change"})
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": "bad", "target_branch": "main", "title": "Bad change [fail]"})

	require.Eventually(t, func() bool { return checkStatus(t, srv.URL, 1) == "passed" }, 20*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return checkStatus(t, srv.URL, 2) == "failed" }, 20*time.Second, 50*time.Millisecond)
}
