package e2e_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// gitDoor is a running server with root/demo, whose main is protected
// (push and merge: Maintainers, no force push), and a Developer and a
// Reporter in it.
type gitDoor struct {
	srv       *harness.Server
	dataDir   string
	main      string // main's commit
	developer string // tokens
	reporter  string
}

func startGitDoor(t *testing.T, args ...string) *gitDoor {
	t.Helper()
	redis := redistest.New(t)
	dataDir := t.TempDir()
	srv := harness.Start(t, binary, nil, append([]string{"--redis-url", redis.URL(), "--data-dir", dataDir,
		"--root-token", rootToken, "--log-format", "json"}, args...)...)
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	pushBranches(t, srv.URL)
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/protected_branches",
		map[string]any{"name": "main", "push_access_level": 40, "merge_access_level": 40, "allow_force_push": false})
	d := &gitDoor{srv: srv, dataDir: dataDir, developer: memberToken(t, srv.URL, "dev", 30), reporter: memberToken(t, srv.URL, "rep", 20)}
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

// gitProcesses counts the processes working in the server's repositories:
// git http-backend and everything it runs.
func (d *gitDoor) gitProcesses(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("needs /proc to count processes:", err)
	}
	repos := filepath.Join(d.dataDir, "repositories") + "/"
	n := 0
	for _, e := range entries {
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && strings.HasPrefix(cwd+"/", repos) {
			n++
		}
	}
	return n
}

// stallFetch starts a fetch of root/demo (anonymous when token is empty)
// that sends its headers and the start of its body, then nothing.
func (d *gitDoor) stallFetch(t *testing.T, token string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", d.srv.Addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	auth := ""
	if token != "" {
		auth = "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+token)) + "\r\n"
	}
	_, err = fmt.Fprintf(c, "POST /root/demo.git/git-upload-pack HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 1000\r\n\r\n0032want ",
		d.srv.Addr, auth)
	require.NoError(t, err)
	return c
}

// closedByServer reports whether the server closes c within wait.
func closedByServer(c net.Conn, wait time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

// infoRefs asks for root/demo's fetch advertisement.
func (d *gitDoor) infoRefs(t *testing.T, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(callCtx(t), http.MethodGet, d.srv.URL+"/root/demo.git/info/refs?service=git-upload-pack", nil)
	require.NoError(t, err)
	if token != "" {
		req.SetBasicAuth("user", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// TestGitDoorStalledClientsAreCut: anonymous clients that start fetches of
// a public project and stop sending once held their git processes forever;
// now they are cut at --request-idle-timeout and their git processes go
// with them. A REST body trickled a byte at a time is cut at
// --request-body-timeout.
func TestGitDoorStalledClientsAreCut(t *testing.T) {
	t.Parallel()
	// The idle timeout leaves time to see the stalled requests' git
	// running first, on a loaded machine too.
	d := startGitDoor(t, "--request-idle-timeout", "2s", "--request-body-timeout", "200ms")
	mustAPI(t, d.srv.URL, "PUT", "/api/v4/projects/1", map[string]any{"visibility": "public"})

	var conns []net.Conn
	for range 5 {
		conns = append(conns, d.stallFetch(t, ""))
	}
	require.Eventually(t, func() bool { return d.gitProcesses(t) >= 5 }, 20*time.Second, 20*time.Millisecond,
		"the stalled fetches have git running")
	for _, c := range conns {
		require.True(t, closedByServer(c, 20*time.Second), "the server cuts a stalled connection")
	}
	require.Eventually(t, func() bool { return d.gitProcesses(t) == 0 }, 20*time.Second, 20*time.Millisecond,
		"no git process outlives its cut request")

	// A REST body that trickles in is cut too.
	c, err := net.Dial("tcp", d.srv.Addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = fmt.Fprintf(c, "POST /api/v4/projects HTTP/1.1\r\nHost: %s\r\nPRIVATE-TOKEN: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", d.srv.Addr, rootToken)
	require.NoError(t, err)
	go func() {
		for range 100 { // a byte every 100 ms, each well within the idle timeout
			time.Sleep(100 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	require.True(t, closedByServer(c, 20*time.Second), "the server cuts a trickled REST body")

	// The doors still serve.
	resp, body := d.infoRefs(t, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	mustAPI(t, d.srv.URL, "GET", "/api/v4/projects/1", nil)
}

// TestGitDoorLimits: git requests beyond --git-max-requests-per-client get
// 429 and beyond --git-max-requests 503, with Retry-After and a message
// git shows, while other clients are still served.
func TestGitDoorLimits(t *testing.T) {
	t.Parallel()
	d := startGitDoor(t, "--git-max-requests", "3", "--git-max-requests-per-client", "2", "--request-idle-timeout", "0")
	mustAPI(t, d.srv.URL, "PUT", "/api/v4/projects/1", map[string]any{"visibility": "public"})

	anon := []net.Conn{d.stallFetch(t, ""), d.stallFetch(t, "")}
	// Both hold their slots once their git runs: http-backend and
	// upload-pack each.
	require.Eventually(t, func() bool { return d.gitProcesses(t) >= 4 }, 20*time.Second, 20*time.Millisecond)
	var resp *http.Response
	var body string
	require.Eventually(t, func() bool {
		resp, body = d.infoRefs(t, "")
		return resp.StatusCode == http.StatusTooManyRequests
	}, 20*time.Second, 20*time.Millisecond, "this address has two git requests running")
	require.Equal(t, "10", resp.Header.Get("Retry-After"))
	require.Equal(t, "Retry later: too many git requests from you are running at once.\n", body)
	out, err := gitrepotest.NewWorktree(t).TryGit("ls-remote", d.srv.URL+"/root/demo.git")
	require.Error(t, err)
	require.Contains(t, out, "Retry later", "git shows the server's message")

	// A signed-in user is another client, and is served.
	resp, body = d.infoRefs(t, d.reporter)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)

	// The third request fills the server for everyone. (The request above
	// holds its slot until its git has exited, a moment after its answer,
	// so the stall may find the server full at first: then it is tried
	// again.)
	require.Eventually(t, func() bool {
		stalled := d.stallFetch(t, d.reporter)
		resp, body = d.infoRefs(t, d.developer)
		if resp.StatusCode == http.StatusServiceUnavailable {
			return true
		}
		stalled.Close()
		return false
	}, 20*time.Second, 100*time.Millisecond)
	require.Equal(t, "10", resp.Header.Get("Retry-After"))
	require.Equal(t, "Retry later: the server is running as many git requests as it allows.\n", body)

	for _, c := range anon {
		c.Close()
	}
	require.Eventually(t, func() bool {
		resp, _ = d.infoRefs(t, "")
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 20*time.Millisecond, "slots come back when requests end")
}

// TestDeadlinesDoNotCutWatchStreams: with body deadlines far shorter than
// the stream, a WatchMergeRequest stream, over gRPC (h2c) and over the
// Connect protocol (HTTP/1.1), still delivers a snapshot after both
// deadlines have passed: deadlines are armed only while a body is read.
func TestDeadlinesDoNotCutWatchStreams(t *testing.T) {
	t.Parallel()
	d := startGitDoor(t, "--request-idle-timeout", "2s", "--request-body-timeout", "200ms")
	w := gitrepotest.Clone(t, d.url(rootToken))
	w.Branch("feature", "main")
	w.Commit("feature", map[string]string{"feature": "1\n"})
	w.Git("push", "--quiet", "origin", "feature")
	mustAPI(t, d.srv.URL, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Watched"})

	for name, opts := range map[string][]signalbox.Option{
		"gRPC":    {signalbox.WithToken(rootToken), signalbox.WithGRPC()},
		"Connect": {signalbox.WithToken(rootToken)},
	} {
		c, err := signalbox.New(d.srv.URL, opts...)
		require.NoError(t, err)
		stream, err := c.MergeRequests.WatchMergeRequest(callCtx(t), &signalboxv1.WatchMergeRequestRequest{Project: "root/demo", MergeRequestIid: 1})
		require.NoError(t, err, name)
		_, err = stream.Receive()
		require.NoError(t, err, name)
		// Let both deadlines pass while the stream is open.
		time.Sleep(time.Second)
		mustAPI(t, d.srv.URL, "PUT", "/api/v4/projects/1/merge_requests/1", map[string]any{"title": "Watched " + name})
		for {
			res, err := stream.Receive()
			require.NoError(t, err, "%s: the stream outlives the body deadlines", name)
			if res.GetMergeRequest().GetTitle() == "Watched "+name {
				break
			}
		}
		require.NoError(t, stream.Close())
	}
}

// TestGitDoorLongPushIsNotCut: a push that keeps sending is not cut by the
// whole-body deadline, which git bodies are exempt from, however long it
// takes (a server-wide ReadTimeout would cut it). The idle deadline leaves
// room for the pauses git makes while it deflates a large object: a client
// may go quiet mid-push for as long as that takes.
func TestGitDoorLongPushIsNotCut(t *testing.T) {
	t.Parallel()
	d := startGitDoor(t, "--request-idle-timeout", "5s", "--request-body-timeout", "200ms")
	w := gitrepotest.Clone(t, d.url(d.developer))
	w.Branch("big", "main")
	big := make([]byte, 48<<20)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range big { // incompressible, from a fixed seed
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		big[i] = byte(x)
	}
	sha := w.Commit("Big", map[string]string{"big.bin": string(big)})
	w.Git("push", "--quiet", "origin", "big")
	require.Equal(t, sha, d.ref(t, "refs/heads/big"))
}
