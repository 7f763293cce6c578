package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/web"
)

func get(t *testing.T, h http.Handler, method, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return b
}

func TestPagesAreServedForProjects(t *testing.T) {
	t.Parallel()
	h := web.NewHandler()
	for _, tc := range []struct{ path, page, project, iid string }{
		{"/root/demo/-/settings/merge_requests", "settings", "root/demo", ""},
		{"/root/demo/-/merge_requests/7", "merge_request", "root/demo", "7"},
		{"/group/sub.group/my_project-2/-/merge_requests/12345", "merge_request", "group/sub.group/my_project-2", "12345"},
		{"/", "home", "", ""},
		{"/root/demo/-/merge_requests", "merge_requests", "root/demo", ""},
		{"/root/demo/-/merge_trains/main", "merge_train", "root/demo", ""},
		{"/root/demo/-/merge_trains/release/2026.11", "merge_train", "root/demo", ""},
	} {
		res := get(t, h, http.MethodGet, tc.path, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, tc.path)
		require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
		require.Equal(t, "no-cache", res.Header.Get("Cache-Control"), "the shell names the current assets")
		csp := res.Header.Get("Content-Security-Policy")
		require.Contains(t, csp, "script-src 'self' 'wasm-unsafe-eval'", "WebAssembly may compile, nothing inline may run")
		require.Contains(t, csp, "connect-src 'self'")
		html := string(body(t, res))
		require.Contains(t, html, `data-page="`+tc.page+`"`)
		require.Contains(t, html, `data-project="`+tc.project+`"`)
		require.Contains(t, html, `data-iid="`+tc.iid+`"`)
		for _, name := range []string{"app.js", "app.css", "validate.wasm", "wasm_exec.js", "validator_worker.js"} {
			require.Contains(t, html, `"`+h.AssetURL(name)+`"`, "the page links %s by its hashed name", name)
		}
		require.Contains(t, html, `<html lang="en">`)
	}
}

func TestUnknownPathsAre404(t *testing.T) {
	t.Parallel()
	h := web.NewHandler()
	for _, path := range []string{
		"/root",
		"/root/demo",
		"/root/demo/-/settings",
		"/root/demo/-/settings/merge_requests/extra",
		"/root/demo/-/merge_requests/",
		"/root/demo/-/merge_trains",
		"/root/demo/-/merge_trains/",
		"/root/demo/-/merge_trains/a..b",
		"/root/demo/-/merge_trains/feature/",
		"/root/demo/-/merge_trains/x.lock",
		"/root/demo/-/merge_trains/a:b",
		"/root/demo/-/merge_requests/0",
		"/root/demo/-/merge_requests/-1",
		"/root/demo/-/merge_requests/07",
		"/root/demo/-/merge_requests/abc",
		"/root/demo/-/merge_requests/99999999999999999999",
		"/demo/-/settings/merge_requests",
		"/root/demo.git/-/settings/merge_requests",
		"/root/-x/-/settings/merge_requests",
		"/root/de<mo/-/settings/merge_requests",
		"/-/static/app.js",
		"/-/static/app.0123456789abcdef.js",
		"/-/static/validate.wasm.gz",
		"/-/static/",
		"/api/v3/projects",
	} {
		res := get(t, h, http.MethodGet, path, nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode, path)
	}
}

func TestWritesAreRefused(t *testing.T) {
	t.Parallel()
	h := web.NewHandler()
	for _, path := range []string{"/root/demo/-/settings/merge_requests", h.AssetURL("app.js")} {
		res := get(t, h, http.MethodPost, path, nil)
		require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, path)
		require.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
	}
}

// The validator is served as committed: gzipped, as application/wasm (which
// WebAssembly.instantiateStreaming insists on), cacheable for good under a
// name that changes with its bytes.
func TestValidatorIsServedPrecompressed(t *testing.T) {
	t.Parallel()
	h := web.NewHandler()
	committed, err := os.ReadFile("static/validate.wasm.gz")
	require.NoError(t, err)
	sum := sha256.Sum256(committed)
	url := h.AssetURL("validate.wasm")
	require.Equal(t, "/-/static/validate."+hex.EncodeToString(sum[:8])+".wasm", url)

	res := get(t, h, http.MethodGet, url, http.Header{"Accept-Encoding": {"gzip, deflate, br"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/wasm", res.Header.Get("Content-Type"))
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	require.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
	require.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
	got := body(t, res)
	require.Equal(t, committed, got)

	zr, err := gzip.NewReader(bytes.NewReader(got))
	require.NoError(t, err)
	magic := make([]byte, 8)
	_, err = io.ReadFull(zr, magic)
	require.NoError(t, err)
	require.Equal(t, []byte("\x00asm\x01\x00\x00\x00"), magic, "a WebAssembly module, version 1")
	require.Empty(t, zr.Header.Name, "reproducible: no file name in the gzip header")
	require.True(t, zr.Header.ModTime.IsZero(), "reproducible: no time in the gzip header")

	// HEAD sends the headers only.
	res = get(t, h, http.MethodHead, url, http.Header{"Accept-Encoding": {"gzip"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	require.Empty(t, body(t, res))
}

func TestScriptIsServedCompressedWhenAccepted(t *testing.T) {
	t.Parallel()
	h := web.NewHandler()
	committed, err := os.ReadFile("static/app.js")
	require.NoError(t, err)
	url := h.AssetURL("app.js")
	require.Regexp(t, regexp.MustCompile(`^/-/static/app\.[0-9a-f]{16}\.js$`), url)

	res := get(t, h, http.MethodGet, url, nil)
	require.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	require.Empty(t, res.Header.Get("Content-Encoding"))
	require.Equal(t, committed, body(t, res))

	res = get(t, h, http.MethodGet, url, http.Header{"Accept-Encoding": {"br, gzip"}})
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	zr, err := gzip.NewReader(bytes.NewReader(body(t, res)))
	require.NoError(t, err)
	inflated, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, committed, inflated)

	// A revalidation of the same bytes is answered without them.
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	res = get(t, h, http.MethodGet, url, http.Header{"If-None-Match": {etag}})
	require.Equal(t, http.StatusNotModified, res.StatusCode)
	require.Empty(t, body(t, res))
}

// The page's script lazily loads the validator from the URL the page
// names, so the bundle must not hard-code one.
func TestBundleTakesTheValidatorURLFromThePage(t *testing.T) {
	t.Parallel()
	h := web.NewHandler()
	script, err := os.ReadFile("static/app.js")
	require.NoError(t, err)
	require.NotContains(t, string(script), strings.TrimPrefix(h.AssetURL("validate.wasm"), "/-/static/"))
	require.Contains(t, string(script), "validatorUrl")
	require.Contains(t, string(script), "validatorWorkerUrl")
	// The worker compiles the module as it downloads (and while
	// wasm_exec.js loads: compiling needs no imports).
	worker, err := os.ReadFile("static/validator_worker.js")
	require.NoError(t, err)
	require.Contains(t, string(worker), "compileStreaming(fetch(")
}
