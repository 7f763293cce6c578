package servertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

// Call sends a REST request as the holder of token and returns the status
// and body. A non-nil body is sent as JSON.
func (s *Server) Call(t testing.TB, token, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, out
}

// Root sends a REST request as root and decodes a 2xx JSON answer into out
// (when not nil); any other status fails the test.
func (s *Server) Root(t testing.TB, method, path string, body, out any) {
	t.Helper()
	status, b := s.Call(t, RootToken, method, path, body)
	if status/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// Clone returns a work tree of the project with root's credentials in its
// remote, so Commit and Push go through the real smart HTTP door.
func (s *Server) Clone(t testing.TB, projectPath string) *Worktree {
	t.Helper()
	w := gitrepotest.NewWorktree(t)
	remote := strings.Replace(s.URL, "http://", "http://root:"+RootToken+"@", 1) + "/" + projectPath + ".git"
	w.Git("remote", "add", "origin", remote)
	return &Worktree{Worktree: w}
}

// Worktree is a git work tree pushing to a test server.
type Worktree struct{ *gitrepotest.Worktree }

// Push commits files on branch (started from start when it is new and start
// is not empty) and pushes it, returning the new head.
func (w *Worktree) Push(branch, start string, files map[string]string) string {
	if start != "" {
		w.Branch(branch, start)
	} else {
		w.Checkout(branch)
	}
	sha := w.Commit("Change "+branch, files)
	w.Git("push", "--quiet", "origin", branch)
	return sha
}
