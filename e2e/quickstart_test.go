package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// TestReadmeWalkthrough runs every shell block of README.md, in order, in
// one bash against a fresh server on its embedded default, as a newcomer
// following the README on a fresh clone would, so that the README cannot
// rot. Each curl fails on an HTTP error, and so does the script. Only two
// things differ from what a reader types: the server's address (a free port
// instead of 127.0.0.1:8080) and the root token the server printed. A block
// that must not run here is marked, on the line before it, with
//
//	<!-- readme-test: not run; <why> -->
//
// and one that needs a tool CI does not install with
//
//	<!-- readme-test: needs <command> -->
//
// which runs when the command is on PATH.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	srv := harness.StartIn(t, t.TempDir(), binary, nil)
	token := srv.AwaitRootToken(t)

	var script strings.Builder
	for _, b := range readmeShellBlocks(t) {
		switch {
		case strings.HasPrefix(b.marker, "not run; ") && len(b.marker) > len("not run; "):
			continue
		case strings.HasPrefix(b.marker, "needs "):
			tool := strings.TrimPrefix(b.marker, "needs ")
			if _, err := exec.LookPath(tool); err != nil {
				t.Logf("README.md:%d not run: %s is not installed", b.line, tool)
				continue
			}
		case b.marker != "":
			t.Fatalf("README.md:%d: readme-test marker %q: want \"not run; <why>\" or \"needs <command>\"", b.line, b.marker)
		}
		fmt.Fprintf(&script, "printf '\\n### README.md:%d\\n'\n%s\n", b.line, b.code) // curl's output ends with no newline
	}
	run := script.String()
	run = strings.ReplaceAll(run, "127.0.0.1:8080", srv.Addr)
	require.Contains(t, run, "export TOKEN=glpat-...", "the walk-through starts by exporting the printed token")
	run = strings.ReplaceAll(run, "export TOKEN=glpat-...", "export TOKEN="+token)
	run = strings.ReplaceAll(run, "curl -s ", "curl -sSf ")

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", run)
	cmd.Dir = t.TempDir()           // where the reader's demo repository is made
	cmd.Env = gitrepotest.Env(home) // a reader's machine, not this one's git configuration
	cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME=Reader", "GIT_AUTHOR_EMAIL=reader@example.com",
		"GIT_COMMITTER_NAME=Reader", "GIT_COMMITTER_EMAIL=reader@example.com")
	raw, err := cmd.CombinedOutput()
	out := string(raw)
	require.NoError(t, err, "the README's walk-through failed at the last block shown:\n%s", out)
	require.Contains(t, out, `"hmac":true`)
	require.Contains(t, out, `"state":"merged"`, "merge request 1 merged")
	require.NotContains(t, out, token, "no response echoes the token")

	// The train lands merge request 2: main is the commit the reader
	// passed, and holds the second branch's file.
	client := newTokenClient(srv.URL, token)
	require.Eventually(t, func() bool {
		status, body, err := client.do(t.Context(), "GET", "/api/v4/projects/root%2Fdemo/merge_requests/2", nil)
		return err == nil && status == 200 && strings.Contains(string(body), `"state":"merged"`)
	}, 30*time.Second, 100*time.Millisecond, "merge request 2 merges once its car's pipeline passed")
	demo := filepath.Join(cmd.Dir, "demo")
	remote := strings.Replace(srv.URL, "http://", "http://root:"+token+"@", 1) + "/root/demo.git"
	git := func(args ...string) string {
		c := exec.Command("git", args...)
		c.Dir, c.Env = demo, cmd.Env
		out, err := c.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	train := git("rev-parse", "FETCH_HEAD") // the car's commit the reader passed
	git("fetch", "-q", remote, "main")
	require.Equal(t, train, git("rev-parse", "FETCH_HEAD"), "main is exactly the tested commit")
	require.Equal(t, "v2", git("show", "FETCH_HEAD:more"))
	require.Equal(t, "v1", git("show", "FETCH_HEAD:app"), "merge request 1 is on main too")
}

// readmeBlock is one shell block of README.md.
type readmeBlock struct {
	line   int    // of the opening fence
	marker string // what its readme-test comment says, or ""
	code   string
}

var readmeMarker = regexp.MustCompile(`^<!-- readme-test: (.+) -->$`)

// readmeShellBlocks are README.md's ```sh blocks in order, each with the
// readme-test marker on the last non-blank line before it, if any.
func readmeShellBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "README.md"))
	require.NoError(t, err)
	lines := strings.Split(string(readme), "\n")
	var blocks []readmeBlock
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```sh" {
			continue
		}
		b := readmeBlock{line: i + 1}
		for j := i - 1; j >= 0; j-- {
			if prev := strings.TrimSpace(lines[j]); prev != "" {
				if m := readmeMarker.FindStringSubmatch(prev); m != nil {
					b.marker = m[1]
				}
				break
			}
		}
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		require.Less(t, end, len(lines), "README.md:%d: a shell block that never ends", b.line)
		b.code = strings.Join(lines[i+1:end], "\n")
		blocks = append(blocks, b)
		i = end
	}
	require.NotEmpty(t, blocks)
	return blocks
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
