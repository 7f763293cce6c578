package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// browserToken is root's token in the browser test: the page signs in with it.
const browserToken = "glpat-e2e-browser-root-token"

// browserTools is what the browser test runs: Node, Debian's chromium and
// playwright-core installed in e2e/browser (npm ci there).
type browserTools struct {
	node, chromium, script string
}

// needBrowser finds the tools, or skips the test saying what is missing;
// with SIGNALBOX_REQUIRE_BROWSER=1 (as in CI) a missing tool fails it.
func needBrowser(t *testing.T) browserTools {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("SIGNALBOX_REQUIRE_BROWSER") == "1" {
			t.Fatal(why)
		}
		t.Skip(why + " (SIGNALBOX_REQUIRE_BROWSER=1 makes this a failure)")
	}
	var tools browserTools
	var err error
	if tools.node, err = exec.LookPath("node"); err != nil {
		missing("browser test skipped: node is not installed")
	}
	tools.chromium = os.Getenv("SIGNALBOX_CHROMIUM")
	if tools.chromium == "" {
		tools.chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(tools.chromium); err != nil {
		missing("browser test skipped: no chromium at " + tools.chromium + " (apt-get install -y chromium, or set SIGNALBOX_CHROMIUM)")
	}
	dir := filepath.Join(harness.RepoRoot(), "e2e", "browser")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		missing("browser test skipped: playwright-core is not installed (cd e2e/browser && npm ci)")
	}
	tools.script = filepath.Join(dir, "pages.test.mjs")
	return tools
}

// receiver is an external status check service: it answers every delivery
// 200 and remembers what it got.
type receiver struct {
	mu    sync.Mutex
	paths []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	rc.paths = append(rc.paths, r.URL.Path)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// TestBrowserPages drives the settings page and the merge-request page in
// a real chromium against the real server binary on a real Redis: it signs
// in with a token, creates, edits and removes a check through the form,
// sees the WebAssembly validator's messages before anything is submitted,
// and sees a check's status change live when a response is posted through
// the REST API. The scenario is e2e/browser/pages.test.mjs; its
// screenshots land in e2e/browser/screenshots.
func TestBrowserPages(t *testing.T) {
	t.Parallel()
	tools := needBrowser(t)

	args := []string{"--data-dir", t.TempDir(), "--root-token", browserToken, "--allow-local-network"}
	if _, err := exec.LookPath("redis-server"); err == nil {
		// A server of the test's own: the binary starts from an empty Redis.
		args = append(args, "--redis-url", redistest.New(t, redistest.Owned()).URL())
	} else {
		t.Log("no redis-server: the binary runs on its embedded store")
	}
	srv := harness.Start(t, binary, nil, args...)
	checks := &receiver{}
	hook := httptest.NewServer(checks)
	t.Cleanup(hook.Close)

	api := restClient{t: t, base: srv.URL}
	// The settings project: protected branches to choose from.
	settings := api.createProject("settings-demo")
	for _, name := range []string{"main", "production", "release/*", "release/2026.11"} {
		api.do(http.MethodPost, fmt.Sprintf("/projects/%d/protected_branches", settings), map[string]any{"name": name}, nil)
	}
	// The merge request project: two checks, then a merge request made of
	// real commits pushed over smart HTTP.
	widget := api.createProject("widget-demo")
	var compliance, security struct {
		ID int64 `json:"id"`
	}
	api.do(http.MethodPost, fmt.Sprintf("/projects/%d/external_status_checks", widget),
		map[string]any{"name": "compliance", "external_url": hook.URL + "/compliance", "shared_secret": "e2e-secret"}, &compliance)
	api.do(http.MethodPost, fmt.Sprintf("/projects/%d/external_status_checks", widget),
		map[string]any{"name": "security", "external_url": hook.URL + "/security"}, &security)

	work := gitrepotest.NewWorktree(t)
	work.Git("remote", "add", "origin", strings.Replace(srv.URL, "http://", "http://root:"+browserToken+"@", 1)+"/root/widget-demo.git")
	work.Checkout("main")
	work.Commit("Initial commit", map[string]string{"README.md": "# widget\n"})
	work.Git("push", "--quiet", "origin", "main")
	work.Branch("feature", "main")
	head := work.Commit("Add the widget", map[string]string{"widget.go": "package widget\n"})
	work.Git("push", "--quiet", "origin", "feature")
	var mr struct {
		IID int64  `json:"iid"`
		SHA string `json:"sha"`
	}
	api.do(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests", widget),
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add the widget"}, &mr)
	require.Equal(t, head, mr.SHA, "the merge request's head is the pushed commit")

	// The train project: merge trains on, three merge requests to put on
	// the train (a, b, c) and one whose pipeline still runs (d).
	trainProject := api.createProject("train-demo")
	api.do(http.MethodPut, fmt.Sprintf("/projects/%d", trainProject),
		map[string]any{"merge_trains_enabled": true, "merge_pipelines_enabled": true, "max_pipelines_per_merge_train": 4,
			"only_allow_merge_if_pipeline_succeeds": true}, nil)
	tw := gitrepotest.NewWorktree(t)
	tw.Git("remote", "add", "origin", strings.Replace(srv.URL, "http://", "http://root:"+browserToken+"@", 1)+"/root/train-demo.git")
	tw.Checkout("main")
	tw.Commit("Initial commit", map[string]string{"README.md": "# train\n"})
	tw.Git("push", "--quiet", "origin", "main")
	trainMRs := map[string]int64{}
	for _, name := range []string{"a", "b", "c", "d"} {
		tw.Branch("feature-"+name, "main")
		sha := tw.Commit("Add "+name, map[string]string{name + ".txt": name + "\n"})
		tw.Git("push", "--quiet", "origin", "feature-"+name)
		var m struct {
			IID int64 `json:"iid"`
		}
		api.do(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests", trainProject),
			map[string]any{"source_branch": "feature-" + name, "target_branch": "main", "title": "Add " + name}, &m)
		trainMRs[name] = m.IID
		state := "success"
		if name == "d" {
			state = "running"
		}
		api.do(http.MethodPost, fmt.Sprintf("/projects/%d/statuses/%s", trainProject, sha), map[string]any{"state": state, "name": "test"}, nil)
	}

	shots := filepath.Join(harness.RepoRoot(), "e2e", "browser", "screenshots")
	require.NoError(t, os.MkdirAll(shots, 0o755))
	old, _ := filepath.Glob(filepath.Join(shots, "*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	cfg, err := json.Marshal(map[string]any{
		"baseUrl":         srv.URL,
		"token":           browserToken,
		"chromium":        tools.chromium,
		"screenshots":     shots,
		"settingsProject": map[string]any{"id": settings, "path": "root/settings-demo"},
		"mrProject":       map[string]any{"id": widget, "path": "root/widget-demo"},
		"mr":              map[string]any{"iid": mr.IID, "sha": mr.SHA},
		"checks":          map[string]any{"compliance": compliance.ID, "security": security.ID},
		"trainProject":    map[string]any{"id": trainProject, "path": "root/train-demo"},
		"trainMRs":        trainMRs,
		"docs":            filepath.Join(harness.RepoRoot(), "docs", "screenshots"),
		"strictTiming":    os.Getenv("SIGNALBOX_STRICT_TIMING") == "1",
	})
	require.NoError(t, err)

	cmd := exec.CommandContext(t.Context(), tools.node, tools.script, string(cfg))
	cmd.Dir = filepath.Dir(tools.script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	t.Logf("browser scenario (%s):\n%s", time.Since(start).Round(time.Millisecond), out.String())
	require.NoError(t, err, "the browser scenario failed; screenshots are in %s", shots)

	checks.mu.Lock()
	defer checks.mu.Unlock()
	require.Contains(t, checks.paths, "/compliance", "the merge request was delivered to the check the page showed")
}

// TestPagesRouting checks, on the binary, that the pages and their assets
// sit beside the other doors without taking anything from them.
func TestPagesRouting(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, binary, nil, "--data-dir", t.TempDir(), "--root-token", browserToken)
	get := func(path string, header http.Header) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		if header != nil {
			req.Header = header
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		t.Cleanup(func() { res.Body.Close() })
		return res
	}

	res := get("/root/demo/-/settings/merge_requests", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	page, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	wasmURL := attr(t, string(page), "data-validator-url")
	require.True(t, strings.HasPrefix(wasmURL, "/-/static/validate."), wasmURL)

	res = get(wasmURL, http.Header{"Accept-Encoding": {"gzip"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/wasm", res.Header.Get("Content-Type"))
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	require.Contains(t, res.Header.Get("Cache-Control"), "immutable")

	for _, path := range []string{"/", "/root/demo/-/merge_requests", "/root/demo/-/merge_requests/3", "/root/demo/-/merge_trains/main"} {
		require.Equal(t, http.StatusOK, get(path, nil).StatusCode, path)
	}
	for _, path := range []string{"/nope", "/root/demo", "/root/demo/-/unknown", "/-/static/app.js"} {
		require.Equal(t, http.StatusNotFound, get(path, nil).StatusCode, path)
	}
	// The other doors still answer as before.
	require.Equal(t, http.StatusOK, get("/-/liveness", nil).StatusCode)
	require.Equal(t, http.StatusUnauthorized, get("/api/v4/user", nil).StatusCode)
	res = get("/root/demo.git/info/refs?service=git-upload-pack", nil)
	require.NotEqual(t, http.StatusOK, res.StatusCode, "no such repository")
	require.NotContains(t, res.Header.Get("Content-Type"), "text/html", "git paths never reach the pages")
}

// attr reads the first value of an HTML attribute.
func attr(t *testing.T, html, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(html, name+`="`)
	require.True(t, ok, "no %s in the page", name)
	value, _, _ := strings.Cut(rest, `"`)
	return value
}

// restClient calls the REST API as root.
type restClient struct {
	t    *testing.T
	base string
}

func (c restClient) createProject(name string) int64 {
	var p struct {
		ID int64 `json:"id"`
	}
	c.do(http.MethodPost, "/projects", map[string]any{"name": name}, &p)
	return p.ID
}

func (c restClient) do(method, path string, body, out any) {
	c.t.Helper()
	status, raw, err := newTokenClient(c.base, browserToken).do(c.t.Context(), method, "/api/v4"+path, body)
	require.NoError(c.t, err)
	require.True(c.t, status/100 == 2, "%s %s: %d %s", method, path, status, raw)
	if out != nil {
		require.NoError(c.t, json.Unmarshal(raw, out), "%s", raw)
	}
}
