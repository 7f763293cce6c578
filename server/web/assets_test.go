package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// smallAssets stands in for the build's output, so the encoding rules are
// tested on bytes small enough to compare whole.
func smallAssets(t *testing.T) (fstest.MapFS, []byte) {
	t.Helper()
	module := append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("module body "), 100)...)
	gz, err := gzipBytes(module)
	require.NoError(t, err)
	return fstest.MapFS{
		"app.js":              {Data: bytes.Repeat([]byte("console.log('signalbox');\n"), 50)},
		"app.css":             {Data: []byte("a{}")},
		"wasm_exec.js":        {Data: []byte("globalThis.Go = class {};")},
		"validator_worker.js": {Data: []byte("self.onmessage = () => {};")},
		"validate.wasm.gz":    {Data: gz},
	}, module
}

func serve(h http.Handler, method, target, acceptEncoding string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestStoredGzipIsInflatedForClientsWithoutGzip(t *testing.T) {
	t.Parallel()
	files, module := smallAssets(t)
	h, err := newHandler(files)
	require.NoError(t, err)
	url := h.AssetURL("validate.wasm")

	for _, accept := range []string{"", "identity", "gzip;q=0, identity", "br"} {
		rec := serve(h, http.MethodGet, url, accept)
		require.Equal(t, http.StatusOK, rec.Code, accept)
		require.Empty(t, rec.Header().Get("Content-Encoding"), accept)
		require.Equal(t, "application/wasm", rec.Header().Get("Content-Type"))
		require.Equal(t, module, rec.Body.Bytes(), accept)
	}
	for _, accept := range []string{"gzip", "GZIP", "br, gzip;q=0.5", "*", "x-gzip"} {
		rec := serve(h, http.MethodGet, url, accept)
		require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"), accept)
		require.Equal(t, []byte(files["validate.wasm.gz"].Data), rec.Body.Bytes(), accept)
	}
}

func TestTextAssetsAreCompressedOnlyWhenItPays(t *testing.T) {
	t.Parallel()
	files, _ := smallAssets(t)
	h, err := newHandler(files)
	require.NoError(t, err)

	rec := serve(h, http.MethodGet, h.AssetURL("app.js"), "gzip")
	require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
	zr, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	inflated, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, files["app.js"].Data, inflated)

	// Three bytes grow when gzipped, so they go as they are.
	rec = serve(h, http.MethodGet, h.AssetURL("app.css"), "gzip")
	require.Empty(t, rec.Header().Get("Content-Encoding"))
	require.Equal(t, "a{}", rec.Body.String())
}

func TestMissingAssetIsAnError(t *testing.T) {
	t.Parallel()
	files, _ := smallAssets(t)
	delete(files, "validate.wasm.gz")
	_, err := newHandler(files)
	require.ErrorContains(t, err, "validate.wasm.gz")
}

func TestHashedNamesFollowTheBytes(t *testing.T) {
	t.Parallel()
	files, _ := smallAssets(t)
	before, err := newHandler(files)
	require.NoError(t, err)
	files["app.js"] = &fstest.MapFile{Data: []byte("console.log('changed');")}
	after, err := newHandler(files)
	require.NoError(t, err)
	require.NotEqual(t, before.AssetURL("app.js"), after.AssetURL("app.js"), "new bytes, new name")
	require.Equal(t, before.AssetURL("app.css"), after.AssetURL("app.css"), "same bytes, same name")
	require.Equal(t, http.StatusNotFound, serve(after, http.MethodGet, before.AssetURL("app.js"), "").Code, "an old name is gone")
}
