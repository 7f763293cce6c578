package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

// TestReadmeQuickStart runs the README's quick start as a newcomer would:
// the server on its embedded default, then the README's own curl commands,
// read from the README itself so the two cannot drift apart.
func TestReadmeQuickStart(t *testing.T) {
	t.Parallel()
	script := quickstartScript(t)
	dataDir := t.TempDir()
	srv := harness.Start(t, binary, nil, "--data-dir", dataDir)
	token := srv.AwaitRootToken(t)
	require.NotContains(t, strings.ReplaceAll(srv.Output(), "    "+token+"\n", ""), token, "the token is printed once, and never logged")

	script = strings.ReplaceAll(script, "http://127.0.0.1:8080", srv.URL)
	script = strings.ReplaceAll(script, "export TOKEN=glpat-...", "export TOKEN="+token)
	out, err := harness.Shell(t.Context(), script)
	require.NoError(t, err, out)
	require.Contains(t, out, `"path_with_namespace":"root/demo"`)
	require.Contains(t, out, `[{"id":1,"name":"compliance","project_id":1,"external_url":"https://compliance.example.com/check","protected_branches":[],"hmac":true}]`)
	require.NotContains(t, out, "s3cret")

	// SIGTERM stops it cleanly; the data and the token survive a restart,
	// and the token is not printed again.
	require.NoError(t, srv.Stop(15*time.Second))
	again := harness.Start(t, binary, nil, "--data-dir", dataDir)
	require.Empty(t, again.PrintedRootToken())
	out, err = harness.Shell(t.Context(), `curl -sf -H "PRIVATE-TOKEN: $TOKEN" `+again.URL+`/api/v4/projects/root%2Fdemo/external_status_checks`, "TOKEN="+token)
	require.NoError(t, err, out)
	require.Contains(t, out, `"name":"compliance"`)
	require.NoError(t, again.Stop(15*time.Second))

	files, err := filepath.Glob(filepath.Join(dataDir, "signalbox.db*")) // with the WAL
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NotContains(t, string(raw), "s3cret", "shared secrets are sealed at rest")
		require.NotContains(t, string(raw), token, "tokens are stored hashed")
	}
}

// quickstartScript is the shell block between the quickstart markers of
// README.md, with curl told to fail on HTTP errors.
func quickstartScript(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "README.md"))
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "<!-- quickstart:begin -->")
	require.True(t, ok, "README.md has no quickstart:begin marker")
	block, _, ok := strings.Cut(rest, "<!-- quickstart:end -->")
	require.True(t, ok, "README.md has no quickstart:end marker")
	block = strings.TrimSpace(block)
	block = strings.TrimPrefix(block, "```sh")
	block = strings.TrimSuffix(block, "```")
	return strings.ReplaceAll(block, "curl -s ", "curl -sSf ")
}

// TestDefaultDataDirTakesPushes starts the server as the README does, with
// no --data-dir, so its data lives in ./data relative to where it runs. Git
// runs in directories of its own, so a relative data dir must still find
// the repositories: a push lands and the branch is listed.
func TestDefaultDataDirTakesPushes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := harness.StartIn(t, dir, binary, nil)
	token := srv.AwaitRootToken(t)
	client := newTokenClient(srv.URL, token)
	status, body, err := client.do(t.Context(), "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	require.NoError(t, err)
	require.Equal(t, 201, status, "%s", body)

	w := gitrepotest.NewWorktree(t)
	w.Checkout("main")
	sha := w.Commit("init", map[string]string{"README": "hello\n"})
	w.Git("push", "--quiet", strings.Replace(srv.URL, "http://", "http://root:"+token+"@", 1)+"/root/demo.git", "main")

	status, body, err = client.do(t.Context(), "GET", "/api/v4/projects/root%2Fdemo/repository/branches/main", nil)
	require.NoError(t, err)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), sha)
	require.DirExists(t, filepath.Join(dir, "data", "repositories"), "the data dir is ./data where the server runs")
}
