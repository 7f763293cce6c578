package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
)

// TestReadmeQuickStart runs the README's quick start as a newcomer would:
// the server on its embedded default, then the README's own curl commands,
// read from the README itself so the two cannot drift apart.
func TestReadmeQuickStart(t *testing.T) {
	t.Parallel()
	script := quickstartScript(t)
	dataDir := t.TempDir()
	srv := harness.Start(t, binary, nil, "--data-dir", dataDir)
	token := srv.PrintedRootToken()
	require.NotEmpty(t, token, "the first start prints the root token:\n%s", srv.Output())
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
