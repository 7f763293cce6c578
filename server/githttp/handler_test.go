package githttp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/githttp"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/project"
)

// GitLab's access levels, as the domain will use them.
const (
	guest      = 10
	reporter   = 20
	developer  = 30
	maintainer = 40
)

// fakeDomain stands in for the project and user domain: tokens name users,
// projects have members with levels, a visibility and protected branch
// patterns.
type fakeDomain struct {
	tokens   map[string]int64 // token → user id
	mu       sync.Mutex       // guards projects, which tests may change
	projects map[string]*fakeProject
}

// setForcePush lets protected branches matching patterns be rewritten.
func (d *fakeDomain) setForcePush(project string, patterns ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.projects[project].forcePush = patterns
}

type fakeProject struct {
	repo      githttp.Repository
	public    bool
	members   map[int64]int // user id → access level
	protected []string      // branch patterns, pushed and merged by maintainers
	forcePush []string      // protected branch patterns that allow force push
}

func (d *fakeDomain) Resolve(_ context.Context, projectPath, token string) (githttp.Repository, githttp.Access, error) {
	var user int64
	if token != "" {
		id, ok := d.tokens[token]
		if !ok {
			return githttp.Repository{}, githttp.Access{}, githttp.ErrUnauthenticated
		}
		user = id
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.projects[projectPath]
	if !ok {
		return githttp.Repository{}, githttp.Access{}, githttp.ErrNotFound
	}
	level := p.members[user]
	if !p.public && level < guest {
		return githttp.Repository{}, githttp.Access{}, githttp.ErrNotFound
	}
	var protections []*storagev1.ProtectedBranch
	for _, pattern := range p.protected {
		protections = append(protections, &storagev1.ProtectedBranch{Name: pattern, AllowForcePush: slices.Contains(p.forcePush, pattern),
			Push: &storagev1.AccessLevel{Level: maintainer}, Merge: &storagev1.AccessLevel{Level: maintainer}})
	}
	rules := project.NewBranchRules(protections)
	return p.repo, githttp.Access{
		UserID:          user,
		Read:            p.public || level >= reporter,
		Push:            level >= developer,
		Protected:       rules.Protected,
		CanPushBranch:   func(name string) bool { return rules.CanPush(auth.Level(level), name) },
		ForcePushDenied: func(name string) bool { return !rules.AllowsForcePush(name) },
	}, nil
}

// pushLog records what the PushListener heard.
type pushLog struct {
	mu     sync.Mutex
	pushes []githttp.Push
	heard  func() // if not nil, called for each push
}

func (l *pushLog) Pushed(_ context.Context, p githttp.Push) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pushes = append(l.pushes, p)
	if l.heard != nil {
		l.heard()
	}
}

func (l *pushLog) all() []githttp.Push {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.pushes)
}

// receivePackRequests records how pack requests arrived.
type receivePackRequests struct {
	mu             sync.Mutex
	chunked        int // receive-pack
	gzipped        int // receive-pack
	chunkedFetches int // upload-pack
}

type server struct {
	t       *testing.T
	srv     *httptest.Server
	private *gitrepotest.Fixture // root/demo, private, main protected
	public  *gitrepotest.Fixture // root/public
	domain  *fakeDomain
	pushes  *pushLog
	seen    *receivePackRequests
	main    string // root/demo's main at the start
	handler *githttp.Handler
}

// Users of root/demo.
const (
	reporterToken   = "glpat-reporter-secret"
	developerToken  = "glpat-developer-secret"
	maintainerToken = "glpat-maintainer-secret"
	strangerToken   = "glpat-stranger-secret"
)

// newServer serves two projects: root/demo (private; main and release/*
// protected; a reporter, a developer and a maintainer) and root/public
// (public, no members). wrap, if not nil, wraps the handler, for example
// to alter requests as some clients send them.
func newServer(t *testing.T, wrap func(http.Handler) http.Handler, opts ...githttp.Option) *server {
	t.Helper()
	s := &server{t: t, private: gitrepotest.New(t), public: gitrepotest.New(t), pushes: &pushLog{}, seen: &receivePackRequests{}}
	s.main = s.private.Commit("main", "", "Initial commit", map[string]string{"README.md": "demo\n"})
	s.public.Commit("main", "", "Public commit", map[string]string{"README.md": "public\n"})
	s.domain = &fakeDomain{
		tokens: map[string]int64{reporterToken: 1, developerToken: 2, maintainerToken: 3, strangerToken: 4},
		projects: map[string]*fakeProject{
			"root/demo": {
				repo:      githttp.Repository{ProjectID: 7, Dir: s.private.Repo.Dir(), DefaultBranch: "main"},
				members:   map[int64]int{1: reporter, 2: developer, 3: maintainer},
				protected: []string{"main", "release/*"},
			},
			"root/public": {
				repo:   githttp.Repository{ProjectID: 8, Dir: s.public.Repo.Dir(), DefaultBranch: "main"},
				public: true,
			},
		},
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	s.handler = githttp.New(s.private.Runner, s.domain, s.pushes, logger, opts...)
	var h http.Handler = s.handler
	record := h
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/git-receive-pack") {
			s.seen.mu.Lock()
			if slices.Contains(r.TransferEncoding, "chunked") {
				s.seen.chunked++
			}
			if r.Header.Get("Content-Encoding") == "gzip" {
				s.seen.gzipped++
			}
			s.seen.mu.Unlock()
		}
		if strings.HasSuffix(r.URL.Path, "/git-upload-pack") && slices.Contains(r.TransferEncoding, "chunked") {
			s.seen.mu.Lock()
			s.seen.chunkedFetches++
			s.seen.mu.Unlock()
		}
		record.ServeHTTP(w, r)
	})
	if wrap != nil {
		h = wrap(h)
	}
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	return s
}

// url is the clone URL of a project with token as the password ("" for
// anonymous).
func (s *server) url(token, project string) string {
	if token == "" {
		return fmt.Sprintf("%s/%s.git", s.srv.URL, project)
	}
	return fmt.Sprintf("http://someone:%s@%s/%s.git", token, s.srv.Listener.Addr(), project)
}

func (s *server) ref(f *gitrepotest.Fixture, ref string) string {
	s.t.Helper()
	sha, err := f.Repo.Ref(context.Background(), ref)
	if err != nil {
		return ""
	}
	return sha
}

func TestReporterClonesButCannotPush(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	w := gitrepotest.Clone(t, s.url(reporterToken, "root/demo"))
	require.Equal(t, s.main, w.Git("rev-parse", "HEAD"))
	require.Equal(t, "demo", gitrepotest.Show(t, w.Dir, "HEAD", "README.md"))

	w.Branch("feature", "main")
	w.Commit("Reporter work", map[string]string{"x": "x"})
	out, err := w.TryGit("push", "origin", "feature")
	require.Error(t, err, out)
	// The refusal comes with the ref advertisement, where git shows the
	// server's message.
	require.Contains(t, out, "You are not allowed to push code to this project.")
	require.Empty(t, s.ref(s.private, "refs/heads/feature"))
	require.Empty(t, s.pushes.all())
}

func TestDeveloperPushesFeatureButNotProtectedMain(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	w := gitrepotest.Clone(t, s.url(developerToken, "root/demo"))
	w.Branch("feature", "main")
	feature := w.Commit("Feature", map[string]string{"f.txt": "f\n"})
	w.Git("push", "--quiet", "origin", "feature")
	require.Equal(t, feature, s.ref(s.private, "refs/heads/feature"))

	pushes := s.pushes.all()
	require.Len(t, pushes, 1)
	require.Equal(t, "root/demo", pushes[0].ProjectPath)
	require.Equal(t, int64(7), pushes[0].Repository.ProjectID)
	require.Equal(t, int64(2), pushes[0].UserID)
	require.Equal(t, []githttp.RefUpdate{{Ref: "refs/heads/feature", Old: strings.Repeat("0", 40), New: feature}}, pushes[0].Updates)
	require.True(t, pushes[0].Updates[0].Created())

	w.Git("checkout", "--quiet", "main")
	w.Commit("Straight to main", map[string]string{"m.txt": "m\n"})
	out, err := w.TryGit("push", "origin", "main")
	require.Error(t, err, out)
	require.Contains(t, out, "403")
	require.Equal(t, s.main, s.ref(s.private, "refs/heads/main"), "a refused push writes nothing")

	// A protected wildcard, and one refused ref among allowed ones: the
	// whole push is refused.
	w.Branch("release/1.0", "feature")
	out, err = w.TryGit("push", "origin", "release/1.0", "feature:other")
	require.Error(t, err, out)
	require.Empty(t, s.ref(s.private, "refs/heads/release/1.0"))
	require.Empty(t, s.ref(s.private, "refs/heads/other"))

	// Server-owned refs are out of reach.
	out, err = w.TryGit("push", "origin", "feature:refs/merge-requests/1/head")
	require.Error(t, err, out)
	require.Empty(t, s.ref(s.private, "refs/merge-requests/1/head"))

	// Tags are fine.
	w.Git("tag", "v1.0", "feature")
	w.Git("push", "--quiet", "origin", "v1.0")
	require.Equal(t, feature, s.ref(s.private, "refs/tags/v1.0"))

	// So is rewriting an unprotected branch.
	w.Git("checkout", "--quiet", "feature")
	w.Git("reset", "--quiet", "--hard", "main~1")
	rewritten := w.Commit("Rewritten feature", map[string]string{"g.txt": "g\n"})
	w.Git("push", "--quiet", "--force", "origin", "feature")
	require.Equal(t, rewritten, s.ref(s.private, "refs/heads/feature"))

	pushes = s.pushes.all()
	require.Len(t, pushes, 3, "only the accepted pushes were heard")
	require.Equal(t, []githttp.RefUpdate{{Ref: "refs/heads/feature", Old: feature, New: rewritten}}, pushes[2].Updates)
}

func TestMaintainerPushesProtectedMain(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	w := gitrepotest.Clone(t, s.url(maintainerToken, "root/demo"))
	next := w.Commit("Maintainer change", map[string]string{"m.txt": "m\n"})
	w.Git("push", "--quiet", "origin", "main")
	require.Equal(t, next, s.ref(s.private, "refs/heads/main"))

	pushes := s.pushes.all()
	require.Len(t, pushes, 1)
	require.Equal(t, []githttp.RefUpdate{{Ref: "refs/heads/main", Old: s.main, New: next}}, pushes[0].Updates)
	require.Equal(t, int64(3), pushes[0].UserID)

	// Even a maintainer cannot delete the default branch with a push.
	out, err := w.TryGit("push", "origin", "--delete", "main")
	require.Error(t, err, out)
	require.Equal(t, next, s.ref(s.private, "refs/heads/main"))
}

// TestProtectedBranchRefusesForcePush: even a maintainer cannot rewrite a
// protected branch, while a fast-forward goes through; a protected branch
// that allows force push, and an unprotected one, can be rewritten.
func TestProtectedBranchRefusesForcePush(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	s.domain.setForcePush("root/demo", "release/*")
	w := gitrepotest.Clone(t, s.url(maintainerToken, "root/demo"))
	next := w.Commit("Fast-forward", map[string]string{"m.txt": "m\n"})
	w.Git("push", "--quiet", "origin", "main", "main:release/1.0")
	require.Equal(t, next, s.ref(s.private, "refs/heads/main"))

	w.Git("reset", "--quiet", "--hard", s.main)
	rewritten := w.Commit("Rewritten history", map[string]string{"r.txt": "r\n"})
	out, err := w.TryGit("push", "--force", "origin", "main")
	require.Error(t, err, out)
	require.Contains(t, out, "non-fast-forward")
	require.Equal(t, next, s.ref(s.private, "refs/heads/main"), "the rewrite of main was refused")
	require.Len(t, s.pushes.all(), 1, "a refused push moves nothing")

	w.Git("push", "--quiet", "--force", "origin", "HEAD:release/1.0", "HEAD:unprotected")
	require.Equal(t, rewritten, s.ref(s.private, "refs/heads/release/1.0"), "release/* allows force push")
	require.Equal(t, rewritten, s.ref(s.private, "refs/heads/unprotected"))

	w.Git("reset", "--quiet", "--hard", s.main)
	again := w.Commit("Rewritten again", map[string]string{"u.txt": "u\n"})
	w.Git("push", "--quiet", "--force", "origin", "HEAD:unprotected")
	require.Equal(t, again, s.ref(s.private, "refs/heads/unprotected"), "an unprotected branch can be rewritten")
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	const wrong = "glpat-wrong-token-value"
	out, err := gitrepotest.NewWorktree(t).TryGit("ls-remote", s.url(wrong, "root/demo"))
	require.Error(t, err, out)
	require.NotContains(t, out, "refs/heads/main")

	for _, path := range []string{"/root/demo.git/info/refs?service=git-upload-pack", "/root/demo.git/info/refs?service=git-receive-pack", "/root/nope.git/info/refs?service=git-upload-pack"} {
		req, err := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
		require.NoError(t, err)
		req.SetBasicAuth("someone", wrong)
		resp, body := do(t, req)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
		require.Equal(t, `Basic realm="Signalbox"`, resp.Header.Get("WWW-Authenticate"))
		require.NotContains(t, body, wrong)
	}
}

func TestAnonymousAccess(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	w := gitrepotest.Clone(t, s.url("", "root/public"))
	require.Equal(t, "public", gitrepotest.Show(t, w.Dir, "HEAD", "README.md"))

	// Anonymous pushes are challenged, even to public projects.
	w.Commit("Anonymous change", map[string]string{"a": "a"})
	out, err := w.TryGit("push", "origin", "main")
	require.Error(t, err, out)

	out, err = gitrepotest.NewWorktree(t).TryGit("ls-remote", s.url("", "root/demo"))
	require.Error(t, err, out)
	resp, _ := do(t, mustRequest(t, http.MethodGet, s.srv.URL+"/root/demo.git/info/refs?service=git-upload-pack", nil))
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, `Basic realm="Signalbox"`, resp.Header.Get("WWW-Authenticate"))

	// Signed in without membership: the private project does not exist.
	req := mustRequest(t, http.MethodGet, s.srv.URL+"/root/demo.git/info/refs?service=git-upload-pack", nil)
	req.SetBasicAuth("x", strangerToken)
	resp, _ = do(t, req)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	// A signed-in user without a role may read a public project but not
	// push to it.
	req = mustRequest(t, http.MethodGet, s.srv.URL+"/root/public.git/info/refs?service=git-receive-pack", nil)
	req.SetBasicAuth("x", strangerToken)
	resp, body := do(t, req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "not allowed to push")
	require.Empty(t, s.pushes.all())
}

func TestFetchAndLsRemoteSeeServerRefs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newServer(t, nil)
	dev := gitrepotest.Clone(t, s.url(developerToken, "root/demo"))
	reader := gitrepotest.Clone(t, s.url(reporterToken, "root/demo"))

	dev.Branch("feature", "main")
	feature := dev.Commit("Feature", map[string]string{"f": "f"})
	dev.Git("push", "--quiet", "origin", "feature")
	// The server writes its own refs, such as a merge train car's.
	require.NoError(t, s.private.Repo.UpdateRef(ctx, "refs/merge-requests/1/train", feature, ""))

	reader.Git("fetch", "--quiet", "origin")
	require.Equal(t, feature, reader.Git("rev-parse", "origin/feature"))
	ls := reader.Git("ls-remote", "origin")
	require.Contains(t, ls, feature+"\trefs/heads/feature")
	require.Contains(t, ls, feature+"\trefs/merge-requests/1/train")
	require.Contains(t, ls, s.main+"\tHEAD")
}

// A push larger than http.postBuffer goes out with chunked transfer
// encoding, which net/http/cgi alone would refuse.
func TestLargeChunkedPushIsAuthorized(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	w := gitrepotest.Clone(t, s.url(developerToken, "root/demo"))
	w.Branch("big", "main")
	big := w.Commit("Big", map[string]string{"big.bin": incompressible(512 << 10)})
	w.Git("-c", "http.postBuffer=65536", "push", "--quiet", "origin", "big")
	require.Equal(t, big, s.ref(s.private, "refs/heads/big"))

	w.Git("checkout", "--quiet", "main")
	w.Commit("Big on main", map[string]string{"big2.bin": incompressible(512 << 10)})
	out, err := w.TryGit("-c", "http.postBuffer=65536", "push", "origin", "main")
	require.Error(t, err, out)
	require.Equal(t, s.main, s.ref(s.private, "refs/heads/main"))

	require.Len(t, s.pushes.all(), 1, "the probe git sends before a chunked push is not a push")
	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	require.GreaterOrEqual(t, s.seen.chunked, 2, "the pushes were not chunked; the test proves nothing")
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func mustRequest(t *testing.T, method, url string, body *strings.Reader) *http.Request {
	t.Helper()
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequest(method, url, nil)
	} else {
		req, err = http.NewRequest(method, url, body)
	}
	require.NoError(t, err)
	return req
}

// incompressible returns n bytes that neither zlib nor gzip can shrink
// much, from a fixed seed.
func incompressible(n int) string {
	var b strings.Builder
	x := uint64(0x9e3779b97f4a7c15)
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b.WriteByte(byte(x))
	}
	return b.String()
}

// gzipPushes compresses receive-pack request bodies, as some clients (JGit,
// proxies) do; git itself compresses only fetch requests.
func gzipPushes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/git-receive-pack") && r.Header.Get("Content-Encoding") == "" {
			raw, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(raw)
			_ = zw.Close()
			r.Body = io.NopCloser(&buf)
			r.ContentLength = int64(buf.Len())
			r.TransferEncoding = nil
			r.Header.Set("Content-Encoding", "gzip")
		}
		next.ServeHTTP(w, r)
	})
}

func TestGzipPushIsAuthorized(t *testing.T) {
	t.Parallel()
	s := newServer(t, gzipPushes)
	w := gitrepotest.Clone(t, s.url(developerToken, "root/demo"))
	w.Branch("feature", "main")
	feature := w.Commit("Feature", map[string]string{"big.bin": incompressible(256 << 10), "text": strings.Repeat("compressible\n", 10000)})
	w.Git("-c", "http.postBuffer=65536", "push", "--quiet", "origin", "feature")
	require.Equal(t, feature, s.ref(s.private, "refs/heads/feature"))
	pushes := s.pushes.all()
	require.Len(t, pushes, 1)
	require.Equal(t, []githttp.RefUpdate{{Ref: "refs/heads/feature", Old: strings.Repeat("0", 40), New: feature}}, pushes[0].Updates)

	w.Git("checkout", "--quiet", "main")
	w.Commit("To main", map[string]string{"m": "m"})
	out, err := w.TryGit("push", "origin", "main")
	require.Error(t, err, out)
	require.Contains(t, out, "403")
	require.Equal(t, s.main, s.ref(s.private, "refs/heads/main"))

	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	require.GreaterOrEqual(t, s.seen.gzipped, 2, "the pushes were not compressed; the test proves nothing")
}

// TestPushRefusals sends command lists by hand, to check each refusal's
// status and message; none of them reaches git.
func TestPushRefusals(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil, githttp.WithMaxRequestBytes(64<<10))
	ctx := context.Background()
	require.NoError(t, s.private.Repo.UpdateRef(ctx, "refs/heads/release/1.0", s.main, ""))
	require.NoError(t, s.private.Repo.UpdateRef(ctx, "refs/heads/feature", s.main, ""))
	before, err := s.private.Repo.Refs(ctx)
	require.NoError(t, err)

	const caps = "\x00 report-status side-band-64k agent=test\n"
	cmd := func(old, new, ref string) string { return old + " " + new + " " + ref }
	main := s.main
	gz := func(s string) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return buf.String()
	}
	for _, tt := range []struct {
		name     string
		token    string
		encoding string
		body     string
		status   int
		message  string
	}{
		{"developer to protected main", developerToken, "", pkt(cmd(main, shaA, "refs/heads/main")+caps) + "0000",
			http.StatusForbidden, "You are not allowed to push code to protected branch 'main' on this project."},
		{"developer creates protected wildcard", developerToken, "", pkt(cmd(zero, shaA, "refs/heads/release/2.0")+caps) + "0000",
			http.StatusForbidden, "protected branch 'release/2.0'"},
		{"second command refused", developerToken, "", pkt(cmd(zero, shaA, "refs/heads/ok")+caps) + pkt(cmd(main, shaA, "refs/heads/main")+"\n") + "0000",
			http.StatusForbidden, "protected branch 'main'"},
		// git cuts the capability list off every line: this is main.
		{"capabilities cut from a later line", developerToken, "", pkt(cmd(zero, shaA, "refs/heads/ok")+caps) + pkt(cmd(main, shaA, "refs/heads/main")+"\x00") + "0000",
			http.StatusForbidden, "You are not allowed to push code to protected branch 'main' on this project."},
		{"invalid ref name", maintainerToken, "", pkt(cmd(zero, shaA, "refs/heads/ok")+caps) + pkt(cmd(zero, shaA, "refs/heads/main\n")+"\x00\n") + "0000",
			http.StatusBadRequest, `Invalid ref name "refs/heads/main\n": git check-ref-format refuses it.`},
		{"maintainer deletes default branch", maintainerToken, "", pkt(cmd(main, zero, "refs/heads/main")+caps) + "0000",
			http.StatusForbidden, "The default branch of a project cannot be deleted: 'main'."},
		{"maintainer deletes protected branch", maintainerToken, "", pkt(cmd(main, zero, "refs/heads/release/1.0")+caps) + "0000",
			http.StatusForbidden, "You can only delete protected branches using the web interface or the API: 'release/1.0'."},
		{"server-owned merge request ref", maintainerToken, "", pkt(cmd(zero, shaA, "refs/merge-requests/1/train")+caps) + "0000",
			http.StatusForbidden, "You are not allowed to push to refs/merge-requests/1/train"},
		{"server-owned pipeline ref", developerToken, "", pkt(cmd(zero, shaA, "refs/pipelines/3")+caps) + "0000",
			http.StatusForbidden, "refs/pipelines/3"},
		{"gzip body", developerToken, "gzip", gz(pkt(cmd(main, shaA, "refs/heads/main")+caps) + "0000" + "PACK"),
			http.StatusForbidden, "protected branch 'main'"},
		{"bad gzip", developerToken, "gzip", "not gzip at all",
			http.StatusBadRequest, "gzip"},
		{"unknown encoding", developerToken, "br", "x",
			http.StatusUnsupportedMediaType, "Content-Encoding"},
		{"malformed", developerToken, "", pkt("nonsense") + "0000",
			http.StatusBadRequest, "malformed"},
		{"too large", developerToken, "", pkt(cmd(zero, shaA, "refs/heads/x")+caps) + strings.Repeat(pkt(cmd(zero, shaA, "refs/heads/y")+"\n"), 2000) + "0000",
			http.StatusRequestEntityTooLarge, "too large"},
		{"gzip bomb", developerToken, "gzip", gz(pkt(cmd(zero, shaA, "refs/heads/x")+caps) + strings.Repeat(pkt(cmd(zero, shaA, "refs/heads/y")+"\n"), 2000) + "0000"),
			http.StatusRequestEntityTooLarge, "too large"},
		{"reporter", reporterToken, "", pkt(cmd(zero, shaA, "refs/heads/x")+caps) + "0000",
			http.StatusForbidden, "You are not allowed to push code to this project."},
		{"anonymous", "", "", pkt(cmd(zero, shaA, "refs/heads/x")+caps) + "0000",
			http.StatusUnauthorized, "Access denied"},
	} {
		req := mustRequest(t, http.MethodPost, s.srv.URL+"/root/demo.git/git-receive-pack", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/x-git-receive-pack-request")
		if tt.encoding != "" {
			req.Header.Set("Content-Encoding", tt.encoding)
		}
		if tt.token != "" {
			req.SetBasicAuth("someone", tt.token)
		}
		resp, body := do(t, req)
		require.Equal(t, tt.status, resp.StatusCode, "%s: %s", tt.name, body)
		require.Contains(t, body, tt.message, tt.name)
		require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain"), tt.name)
		for _, tok := range []string{developerToken, maintainerToken, reporterToken} {
			require.NotContains(t, body, tok, tt.name)
		}
	}

	after, err := s.private.Repo.Refs(ctx)
	require.NoError(t, err)
	require.Equal(t, before, after, "no refusal wrote anything")
	require.Empty(t, s.pushes.all())
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/root/demo.git/info/refs?service=git-upload-pack", http.StatusOK},
		{http.MethodGet, "/root/demo/info/refs?service=git-receive-pack", http.StatusOK},
		{http.MethodGet, "/root/demo.git/info/refs", http.StatusForbidden}, // dumb protocol
		{http.MethodGet, "/root/demo.git/info/refs?service=git-upload-archive", http.StatusForbidden},
		{http.MethodGet, "/root/demo.git/HEAD", http.StatusNotFound},
		{http.MethodGet, "/root/demo.git/objects/info/packs", http.StatusNotFound},
		{http.MethodGet, "/root/demo.git/git-upload-pack", http.StatusMethodNotAllowed},
		{http.MethodPost, "/root/demo.git/info/refs?service=git-upload-pack", http.StatusMethodNotAllowed},
		{http.MethodGet, "/root/missing.git/info/refs?service=git-upload-pack", http.StatusNotFound},
	} {
		req := mustRequest(t, tt.method, s.srv.URL+tt.path, nil)
		req.SetBasicAuth("someone", maintainerToken)
		resp, body := do(t, req)
		require.Equal(t, tt.status, resp.StatusCode, "%s %s: %s", tt.method, tt.path, body)
		if tt.status == http.StatusOK {
			require.Contains(t, resp.Header.Get("Content-Type"), "application/x-git-")
			require.Contains(t, body, "refs/heads/main")
		}
	}
}

// TestBackendSeesNoToken runs a hook inside git http-backend's receive-pack
// and checks the environment git had: hardened, and without credentials.
func TestBackendSeesNoToken(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	dump := filepath.Join(t.TempDir(), "env.txt")
	hooks := filepath.Join(s.private.Repo.Dir(), "hooks")
	require.NoError(t, os.MkdirAll(hooks, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(hooks, "post-receive"), []byte("#!/bin/sh\nenv > '"+dump+"'\n"), 0o755))

	w := gitrepotest.Clone(t, s.url(maintainerToken, "root/demo"))
	w.Commit("Change", map[string]string{"c": "c"})
	w.Git("push", "--quiet", "origin", "main")

	raw, err := os.ReadFile(dump)
	require.NoError(t, err)
	env := string(raw)
	require.NotContains(t, env, maintainerToken)
	require.NotContains(t, env, base64.StdEncoding.EncodeToString([]byte("someone:"+maintainerToken)))
	require.NotContains(t, env, "HTTP_AUTHORIZATION")
	for _, want := range []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0"} {
		require.Contains(t, env, want+"\n")
	}
}

// A fetch that wants many commits sends a request larger than
// http.postBuffer, chunked.
func TestLargeChunkedFetch(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	// 1500 branches on distinct commits, written by one fast-import.
	var script strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&script, "commit refs/heads/b%d\ncommitter T <t@example.com> %d +0000\ndata 2\nb\nfrom %s\n\n", i, 1700000000+i, s.main)
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = s.private.Repo.Dir()
	cmd.Env = gitrepotest.Env(t.TempDir())
	cmd.Stdin = strings.NewReader(script.String())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	w := gitrepotest.NewWorktree(t)
	w.Git("-c", "http.postBuffer=65536", "fetch", "--quiet", s.url(reporterToken, "root/demo"), "refs/heads/*:refs/remotes/origin/*")
	branches := w.Git("for-each-ref", "--format=%(refname)", "refs/remotes/origin/")
	require.Len(t, strings.Split(branches, "\n"), 1501)

	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	require.Positive(t, s.seen.chunkedFetches, "the fetch was not chunked; the test proves nothing")
}

// git http-backend serves the last service parameter and net/url reads the
// first, so a query naming two would be authorized as one and served as
// the other: a Reporter would get the push advertisement. Any query that
// names the service more than once, or cannot be read, is refused.
func TestServiceParameterMustBeGivenOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	for _, query := range []string{
		"service=git-upload-pack&service=git-receive-pack",
		"service=git-receive-pack&service=git-upload-pack",
		"service=git-upload-pack&service=git-upload-pack",
		"service=git-upload-pack&servic%65=git-receive-pack",
		"service=git-upload-pack&service",
		"service=git-upload-pack;service=git-receive-pack",
	} {
		req := mustRequest(t, http.MethodGet, s.srv.URL+"/root/demo.git/info/refs?"+query, nil)
		req.SetBasicAuth("someone", reporterToken)
		resp, body := do(t, req)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", query, body)
		require.Equal(t, "The query must give the service parameter exactly once.\n", body, query)
		require.NotContains(t, body, "report-status", query)
	}
	// One service parameter among others is fine.
	req := mustRequest(t, http.MethodGet, s.srv.URL+"/root/demo.git/info/refs?x=1&service=git-upload-pack", nil)
	req.SetBasicAuth("someone", reporterToken)
	resp, body := do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
}

// TestPushIsHeardOnceReceivePackReported: the listener hears a push as
// soon as receive-pack has reported its ref updates, not once its
// post-receive hook and auto gc are done (git processes of their own, run
// after the report). The hook here waits for the listener to have heard
// the push: were the listener told only when receive-pack exits, the hook
// would give up first (its wait is only a bound on a failing run).
func TestPushIsHeardOnceReceivePackReported(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	dir := t.TempDir()
	heard, result := filepath.Join(dir, "heard"), filepath.Join(dir, "result")
	hook := fmt.Sprintf(`#!/bin/sh
i=0
while [ $i -lt 600 ]; do
	if [ -e %[1]q ]; then echo heard > %[2]q; exit 0; fi
	sleep 0.1
	i=$((i+1))
done
echo "not heard" > %[2]q
`, heard, result)
	hooks := filepath.Join(s.private.Repo.Dir(), "hooks")
	require.NoError(t, os.MkdirAll(hooks, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(hooks, "post-receive"), []byte(hook), 0o755))
	s.pushes.heard = func() { require.NoError(t, os.WriteFile(heard, nil, 0o600)) }

	w := gitrepotest.Clone(t, s.url(developerToken, "root/demo"))
	w.Branch("feature", "main")
	feature := w.Commit("Feature", map[string]string{"f.txt": "f\n"})
	w.Git("push", "--quiet", "origin", "feature")
	require.Equal(t, feature, s.ref(s.private, "refs/heads/feature"))
	got, err := os.ReadFile(result)
	require.NoError(t, err)
	require.Equal(t, "heard\n", string(got), "the post-receive hook ran before the listener heard the push")
	require.Len(t, s.pushes.all(), 1)
}
