package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// staticPrefix is where assets are served, under GitLab's reserved "-"
// segment so that no namespace can shadow it.
const staticPrefix = "/-/static/"

// immutable is the cache policy of an asset: its name carries its hash, so
// a new build has a new name and a name's bytes never change.
const immutable = "public, max-age=31536000, immutable"

// asset is one embedded file, as served.
type asset struct {
	// url is staticPrefix plus the content-hashed name, e.g.
	// "/-/static/app.3f9c2d0e4b1a7788.js".
	url         string
	contentType string
	etag        string
	// identity is the file itself; nil for a file stored gzipped.
	identity []byte
	// stored is the file as committed, for one stored gzipped.
	stored []byte
	// compress makes gzipped from identity on first use, so start-up does
	// not pay for assets no one asks for.
	compress sync.Once
	gzipped  []byte
}

// gzipBody is the gzip encoding to send, or nil when there is none worth
// sending.
func (a *asset) gzipBody() []byte {
	if a.identity == nil {
		return a.stored
	}
	a.compress.Do(func() {
		if gz, err := gzipBytes(a.identity); err == nil && len(gz) < len(a.identity) {
			a.gzipped = gz
		}
	})
	return a.gzipped
}

// assetSpec names a file of static/ and how to serve it.
type assetSpec struct {
	file        string // in static/, e.g. "validate.wasm.gz"
	name        string // logical name, e.g. "validate.wasm"
	contentType string
}

// assetSpecs are the files the pages use. The build writes them (see
// scripts/generate.sh); NewHandler refuses to start without any of them.
func assetSpecs() []assetSpec {
	return []assetSpec{
		{"app.js", "app.js", "text/javascript; charset=utf-8"},
		{"app.css", "app.css", "text/css; charset=utf-8"},
		{"wasm_exec.js", "wasm_exec.js", "text/javascript; charset=utf-8"},
		{"validator_worker.js", "validator_worker.js", "text/javascript; charset=utf-8"},
		// Committed gzipped: 4 MB instead of 20 MB, and served as stored.
		{"validate.wasm.gz", "validate.wasm", "application/wasm"},
	}
}

// loadAssets reads the embedded files and names each by its content.
func loadAssets(files fs.FS) (map[string]*asset, error) {
	specs := assetSpecs()
	byName := make(map[string]*asset, len(specs))
	for _, spec := range specs {
		data, err := fs.ReadFile(files, spec.file)
		if err != nil {
			return nil, fmt.Errorf("web: embedded asset %s: %w (run make generate)", spec.file, err)
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:8])
		ext := path.Ext(spec.name)
		a := &asset{
			url:         staticPrefix + strings.TrimSuffix(spec.name, ext) + "." + hash + ext,
			contentType: spec.contentType,
			etag:        `"` + hash + `"`,
		}
		if strings.HasSuffix(spec.file, ".gz") {
			a.stored = data
		} else {
			a.identity = data
		}
		byName[spec.name] = a
	}
	return byName, nil
}

// serve writes the asset in the best encoding the client accepts.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", immutable)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.identity
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gzipBody(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	if body == nil {
		// Stored gzipped, and the client cannot take gzip: a rare client,
		// so inflate on the fly rather than keep a second copy.
		zr, err := gzip.NewReader(bytes.NewReader(a.stored))
		if err != nil {
			http.Error(w, "corrupt asset", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(w, zr)
		}
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: listed
// (or "*") without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		c := strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if c == etag || c == "*" {
			return true
		}
	}
	return false
}

func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
