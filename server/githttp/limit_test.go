package githttp_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/deadline"
	"github.com/signalbox/signalbox/server/githttp"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

// gitProcesses counts the processes working in dir or below it: git
// http-backend and everything it runs (upload-pack, pack-objects, ...).
// Each test's repositories are directories of their own, so the count is
// this test's alone.
func gitProcesses(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("needs /proc to count processes:", err)
	}
	n := 0
	for _, e := range entries {
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && (cwd == dir || strings.HasPrefix(cwd, dir+"/")) {
			n++
		}
	}
	return n
}

// stall opens a connection that sends a fetch's headers and the start of
// its body, then nothing: the backend starts and waits for the rest.
func stall(t *testing.T, addr, project, token string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	auth := ""
	if token != "" {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth("someone", token)
		auth = "Authorization: " + req.Header.Get("Authorization") + "\r\n"
	}
	_, err = fmt.Fprintf(c, "POST /%s.git/git-upload-pack HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 1000\r\n\r\n0032want ",
		project, addr, auth)
	require.NoError(t, err)
	return c
}

// closedByServer reports whether the server has closed c (after answering
// or not), waiting up to wait.
func closedByServer(c net.Conn, wait time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, err := io.Copy(io.Discard, c)
	ne, timeout := err.(net.Error)
	return !(timeout && ne.Timeout())
}

// TestStalledClientsAreCutAndLeaveNoGitBehind: clients that start a fetch
// and stop sending are cut once the read deadline passes, and the git
// processes their requests started go with them.
func TestStalledClientsAreCutAndLeaveNoGitBehind(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(h http.Handler) http.Handler {
		// Long enough to see the stalled requests' git running first, on
		// a loaded machine too.
		return deadline.Bodies(h, deadline.Config{Idle: 2 * time.Second})
	}, githttp.WithWriteTimeout(2*time.Second))
	addr := s.srv.Listener.Addr().String()
	dir := s.public.Repo.Dir()

	var conns []net.Conn
	for range 4 {
		conns = append(conns, stall(t, addr, "root/public", ""))
	}
	require.Eventually(t, func() bool { return s.handler.Running() == 4 && gitProcesses(t, dir) >= 4 }, 10*time.Second, 10*time.Millisecond,
		"the stalled fetches have git running")

	for _, c := range conns {
		require.True(t, closedByServer(c, 20*time.Second), "the server cuts a stalled connection")
	}
	require.Eventually(t, func() bool { return s.handler.Running() == 0 && gitProcesses(t, dir) == 0 },
		10*time.Second, 10*time.Millisecond, "no git process outlives its cut request")

	// The door still serves.
	w := gitrepotest.NewWorktree(t)
	w.Git("ls-remote", s.url("", "root/public"))
}

// TestClientThatStopsReadingIsCut: a client that asks for a large pack and
// reads none of it is cut once a write has waited past the write timeout,
// and pack-objects and upload-pack die with the request.
func TestClientThatStopsReadingIsCut(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil, githttp.WithWriteTimeout(500*time.Millisecond))
	s.public.Commit("main", "main", "Big", map[string]string{"big.bin": incompressible(8 << 20)})
	dir := s.public.Repo.Dir()
	head := s.ref(s.public, "refs/heads/main")

	c, err := net.Dial("tcp", s.srv.Listener.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	// A TCP receive buffer as small as the kernel allows, so the server's
	// writes block soon.
	require.NoError(t, c.(*net.TCPConn).SetReadBuffer(4096))
	body := pkt("want "+head+"\n") + "0000" + pkt("done\n")
	_, err = fmt.Fprintf(c, "POST /root/public.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	require.NoError(t, err)
	// Read the status line only, then stop reading.
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, line, "200")

	require.Eventually(t, func() bool { return s.handler.Running() == 0 && gitProcesses(t, dir) == 0 },
		20*time.Second, 10*time.Millisecond, "the backend is killed once the client stops reading")
}

// TestBackendLimits: beyond the bound for one client a request gets 429,
// beyond the global bound 503, both with Retry-After and a plain-text
// message git shows; other clients are still served meanwhile, and the
// slots come back when the requests end.
func TestBackendLimits(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil, githttp.WithMaxBackends(3, 2))
	addr := s.srv.Listener.Addr().String()
	get := func(token string) (*http.Response, string) {
		req := mustRequest(t, http.MethodGet, s.srv.URL+"/root/public.git/info/refs?service=git-upload-pack", nil)
		if token != "" {
			req.SetBasicAuth("someone", token)
		}
		return do(t, req)
	}

	// Two anonymous fetches from this address hold its two slots.
	anon := []net.Conn{stall(t, addr, "root/public", ""), stall(t, addr, "root/public", "")}
	require.Eventually(t, func() bool { return s.handler.Running() == 2 }, 10*time.Second, 10*time.Millisecond)
	resp, body := get("")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, body)
	require.Equal(t, "10", resp.Header.Get("Retry-After"))
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"))
	require.Equal(t, "Retry later: too many git requests from you are running at once.\n", body)
	out, err := gitrepotest.NewWorktree(t).TryGit("ls-remote", s.url("", "root/public"))
	require.Error(t, err)
	require.Contains(t, out, "Retry later", "git shows the server's message")

	// Another client is served meanwhile.
	resp, body = get(reporterToken)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)

	// The third slot, and then the server is full for everyone. (The
	// request above holds its slot until its git has exited, a moment
	// after its answer.)
	require.Eventually(t, func() bool { return s.handler.Running() == 2 }, 10*time.Second, 10*time.Millisecond)
	stall(t, addr, "root/public", reporterToken)
	require.Eventually(t, func() bool { return s.handler.Running() == 3 }, 10*time.Second, 10*time.Millisecond)
	resp, body = get(developerToken)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	require.Equal(t, "10", resp.Header.Get("Retry-After"))
	require.Equal(t, "Retry later: the server is running as many git requests as it allows.\n", body)

	// Slots come back when requests end.
	for _, c := range anon {
		c.Close()
	}
	require.Eventually(t, func() bool { return s.handler.Running() == 1 }, 10*time.Second, 10*time.Millisecond)
	resp, body = get("")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
}
