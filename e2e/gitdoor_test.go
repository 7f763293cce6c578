package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// gitDoor is a running server with root/demo, whose main is protected
// (push and merge: Maintainers, no force push), and a Developer and a
// Reporter in it.
type gitDoor struct {
	srv       *harness.Server
	main      string // main's commit
	developer string // tokens
	reporter  string
}

func startGitDoor(t *testing.T, args ...string) *gitDoor {
	t.Helper()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, append([]string{"--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--log-format", "json"}, args...)...)
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	pushBranches(t, srv.URL)
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/protected_branches",
		map[string]any{"name": "main", "push_access_level": 40, "merge_access_level": 40, "allow_force_push": false})
	d := &gitDoor{srv: srv, developer: memberToken(t, srv.URL, "dev", 30), reporter: memberToken(t, srv.URL, "rep", 20)}
	d.main = d.ref(t, "refs/heads/main")
	return d
}

// memberToken makes a user with a role in root/demo and returns its token.
func memberToken(t *testing.T, base, name string, level int) string {
	t.Helper()
	var u struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(mustAPI(t, base, "POST", "/api/v4/users",
		map[string]any{"username": name, "name": name, "email": name + "@example.test", "password": "unused-password"}), &u))
	var tok struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(mustAPI(t, base, "POST", fmt.Sprintf("/api/v4/users/%d/personal_access_tokens", u.ID),
		map[string]any{"name": "git", "scopes": []string{"api"}}), &tok))
	mustAPI(t, base, "POST", "/api/v4/projects/1/members", map[string]any{"user_id": u.ID, "access_level": level})
	return tok.Token
}

// url is root/demo's clone URL with token as the password.
func (d *gitDoor) url(token string) string {
	return strings.Replace(d.srv.URL, "http://", "http://user:"+token+"@", 1) + "/root/demo.git"
}

// ref reads a ref of root/demo as root sees it over git, "" when missing.
func (d *gitDoor) ref(t *testing.T, ref string) string {
	t.Helper()
	w := gitrepotest.NewWorktree(t)
	sha, _, _ := strings.Cut(w.Git("ls-remote", d.url(rootToken), ref), "\t")
	return sha
}

// pkt frames s as a pkt-line.
func pkt(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }

// TestGitDoorCraftedPushCannotRewriteProtectedBranch: a Developer sends
// receive-pack a command list by hand. Its second command ends in a NUL,
// which git reads as the start of a capability list, so git updates
// refs/heads/main; the door, which once cut capabilities off the first line
// only, took it for a branch named "main\x00" that nothing protects. The
// pack is real, built by git, so git would apply it if the door let it
// through.
func TestGitDoorCraftedPushCannotRewriteProtectedBranch(t *testing.T) {
	t.Parallel()
	d := startGitDoor(t)

	// An unrelated orphan commit, and a real pack of it.
	w := gitrepotest.Clone(t, d.url(d.developer))
	w.Git("checkout", "--quiet", "--orphan", "evil")
	orphan := w.Commit("Rewrite history", map[string]string{"README": "gone\n"})
	pack := exec.Command("git", "pack-objects", "--revs", "--stdout", "--quiet")
	pack.Dir = w.Dir
	pack.Env = gitrepotest.Env(t.TempDir())
	pack.Stdin = strings.NewReader(orphan + "\n")
	packBytes, err := pack.Output()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(packBytes), "PACK"))

	zero := strings.Repeat("0", 40)
	push := func(commands ...string) (int, string, string) {
		body := strings.Join(commands, "") + "0000" + string(packBytes)
		req, err := http.NewRequestWithContext(callCtx(t), http.MethodPost, d.srv.URL+"/root/demo.git/git-receive-pack", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-git-receive-pack-request")
		req.SetBasicAuth("dev", d.developer)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}

	status, ctype, body := push(
		pkt(zero+" "+orphan+" refs/heads/feature\x00 report-status side-band-64k agent=git/2.39.5\n"),
		pkt(d.main+" "+orphan+" refs/heads/main\x00"))
	require.Equal(t, http.StatusForbidden, status, body)
	require.True(t, strings.HasPrefix(ctype, "text/plain"), ctype)
	require.Equal(t, "You are not allowed to push code to protected branch 'main' on this project.\n", body)
	require.Equal(t, d.main, d.ref(t, "refs/heads/main"), "main is unchanged")
	require.Empty(t, d.ref(t, "refs/heads/feature"), "a refused push writes nothing")

	// A name git would refuse, or read otherwise, is refused as such
	// before anything else is decided.
	status, _, body = push(
		pkt(zero+" "+orphan+" refs/heads/feature\x00 report-status agent=git/2.39.5\n"),
		pkt(d.main+" "+orphan+" refs/heads/main\n\x00\n"))
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Equal(t, "Invalid ref name \"refs/heads/main\\n\": git check-ref-format refuses it.\n", body)
	require.Equal(t, d.main, d.ref(t, "refs/heads/main"))
	require.Empty(t, d.ref(t, "refs/heads/feature"))

	// The same pack as a plain push of the orphan to a branch of its own
	// lands: the refusals above were the door's, not a broken request.
	status, _, body = push(pkt(zero + " " + orphan + " refs/heads/feature\x00 report-status agent=git/2.39.5\n"))
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, orphan, d.ref(t, "refs/heads/feature"))
	require.Equal(t, d.main, d.ref(t, "refs/heads/main"))
}

// TestGitDoorServiceParameterOnce: git http-backend serves the last service
// parameter, and the door once read the first, so a Reporter got the push
// advertisement by naming upload-pack first.
func TestGitDoorServiceParameterOnce(t *testing.T) {
	t.Parallel()
	d := startGitDoor(t)
	get := func(query string) (int, string) {
		req, err := http.NewRequestWithContext(callCtx(t), http.MethodGet, d.srv.URL+"/root/demo.git/info/refs?"+query, nil)
		require.NoError(t, err)
		req.SetBasicAuth("rep", d.reporter)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, body := get("service=git-upload-pack&service=git-receive-pack")
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Equal(t, "The query must give the service parameter exactly once.\n", body)

	status, body = get("service=git-receive-pack")
	require.Equal(t, http.StatusForbidden, status, body)
	require.Equal(t, "You are not allowed to push code to this project.\n", body)

	status, body = get("service=git-upload-pack")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, d.main+" refs/heads/main")
}
