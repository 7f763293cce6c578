// Package web serves the browser pages: sign-in and the projects the user
// can see at /; a project's merge requests at
// /<namespace>/<project>/-/merge_requests; one merge request (its checks,
// its car and the merge actions) at
// /<namespace>/<project>/-/merge_requests/<iid>; the merge train of a target
// branch at /<namespace>/<project>/-/merge_trains/<branch>; and the
// merge-request settings of a project (its external status checks and the
// "Status checks must succeed" setting) at
// /<namespace>/<project>/-/settings/merge_requests.
//
// The pages are a shell of HTML plus one script built from ui/ with esbuild;
// the script signs in with a personal access token and talks to the Connect
// API through the TypeScript SDK (sdk/ts), so this package holds no API
// logic and no credentials. Assets are embedded (go run ./server needs no
// Node) and served under content-hashed names with a year of caching; the
// WebAssembly validator is stored gzipped and served that way.
//
// The package leaves authentication, authorization and every rule to the
// API: a page for a project that does not exist is still served, and the
// script reports what the API answers.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

// static holds the built assets: app.js and app.css (esbuild), the
// gzipped validator and wasm_exec.js (go run ./wasm/build). It is read-only.
//
//go:embed static
var static embed.FS

//go:embed page.html.tmpl
var pageTemplate string

// Handler serves the pages and their assets, and 404s everything else.
type Handler struct {
	assets map[string]*asset // by logical name
	byURL  map[string]*asset
	page   *template.Template
}

// NewHandler builds the handler from the embedded assets. It panics if an
// asset is missing, which only a broken build can cause (the tests and
// scripts/generate.sh --check guard against it).
func NewHandler() *Handler {
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	h, err := newHandler(files)
	if err != nil {
		panic(err)
	}
	return h
}

// newHandler serves the assets in files (the contents of static/).
func newHandler(files fs.FS) (*Handler, error) {
	assets, err := loadAssets(files)
	if err != nil {
		return nil, err
	}
	page, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return nil, err
	}
	h := &Handler{assets: assets, byURL: make(map[string]*asset, len(assets)), page: page}
	for _, a := range assets {
		h.byURL[a.url] = a
	}
	return h, nil
}

// AssetURL is where the asset with the logical name (for example
// "validate.wasm") is served, or "" if there is no such asset.
func (h *Handler) AssetURL(name string) string {
	if a, ok := h.assets[name]; ok {
		return a.url
	}
	return ""
}

// ServeHTTP routes a request to an asset or a page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, staticPrefix) {
		a, ok := h.byURL[r.URL.Path]
		if !ok {
			// A stale hash too: the page that asked is older than this
			// server, and a reload fixes it.
			http.NotFound(w, r)
			return
		}
		if !allowRead(w, r) {
			return
		}
		a.serve(w, r)
		return
	}
	p, ok := parsePagePath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !allowRead(w, r) {
		return
	}
	h.servePage(w, r, p)
}

// pageKind is which page a path names.
type pageKind string

const (
	homePage          pageKind = "home"
	settingsPage      pageKind = "settings"
	mergeRequestPage  pageKind = "merge_request"
	mergeRequestsPage pageKind = "merge_requests"
	mergeTrainPage    pageKind = "merge_train"
)

// pagePath is a parsed page URL.
type pagePath struct {
	kind    pageKind
	project string // namespace/path; empty for homePage
	iid     int64  // for mergeRequestPage
	branch  string // for mergeTrainPage
}

// parsePagePath recognises /<project path>/-/settings/merge_requests and
// /<project path>/-/merge_requests/<iid>, where the project path has a
// namespace and a name (and possibly subgroups) made of plain segments.
func parsePagePath(urlPath string) (pagePath, bool) {
	if urlPath == "/" {
		return pagePath{kind: homePage}, true
	}
	project, rest, ok := strings.Cut(strings.TrimPrefix(urlPath, "/"), "/-/")
	if !ok || !validProjectPath(project) {
		return pagePath{}, false
	}
	switch rest {
	case "settings/merge_requests":
		return pagePath{kind: settingsPage, project: project}, true
	case "merge_requests":
		return pagePath{kind: mergeRequestsPage, project: project}, true
	}
	if branch, ok := strings.CutPrefix(rest, "merge_trains/"); ok {
		if !validBranchName(branch) {
			return pagePath{}, false
		}
		return pagePath{kind: mergeTrainPage, project: project, branch: branch}, true
	}
	if digits, ok := strings.CutPrefix(rest, "merge_requests/"); ok {
		iid, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || iid <= 0 || strconv.FormatInt(iid, 10) != digits {
			return pagePath{}, false
		}
		return pagePath{kind: mergeRequestPage, project: project, iid: iid}, true
	}
	return pagePath{}, false
}

// validProjectPath accepts namespace/project and deeper group paths of
// plain segments: no empty, dot or dash-led segment, no ".git" suffix (that
// is the git door's).
func validProjectPath(p string) bool {
	segments := strings.Split(p, "/")
	if len(segments) < 2 {
		return false
	}
	for _, s := range segments {
		if s == "" || s == "." || s == ".." || strings.HasPrefix(s, "-") || strings.HasSuffix(s, ".git") {
			return false
		}
		for _, c := range s {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
				return false
			}
		}
	}
	return true
}

// validBranchName accepts what git accepts as a branch name, loosely: the
// API has the last word (an unknown branch shows an empty train), so this
// only keeps out what could never be one.
func validBranchName(b string) bool {
	if b == "" || len(b) > 255 || strings.HasPrefix(b, "/") || strings.HasSuffix(b, "/") ||
		strings.HasSuffix(b, ".lock") || strings.Contains(b, "..") || strings.Contains(b, "//") {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c == 0x7f || strings.ContainsRune("~^:?*[\\", c) {
			return false
		}
	}
	return true
}

// allowRead answers 405 to anything but GET and HEAD.
func allowRead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// pageData is what the page template fills in.
type pageData struct {
	Title     string
	Page      pageKind
	Project   string
	IID       string
	Branch    string
	ScriptURL string
	StyleURL  string
	WasmURL   string
	ExecURL   string
	WorkerURL string
}

// contentSecurityPolicy allows only this origin, and WebAssembly
// compilation for the validator; pages have no inline script or style.
const contentSecurityPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request, p pagePath) {
	data := pageData{
		Page:      p.kind,
		Project:   p.project,
		ScriptURL: h.AssetURL("app.js"),
		StyleURL:  h.AssetURL("app.css"),
		WasmURL:   h.AssetURL("validate.wasm"),
		ExecURL:   h.AssetURL("wasm_exec.js"),
		WorkerURL: h.AssetURL("validator_worker.js"),
	}
	switch p.kind {
	case settingsPage:
		data.Title = "Merge requests settings"
	case mergeRequestPage:
		data.IID = strconv.FormatInt(p.iid, 10)
		data.Title = "Merge request !" + data.IID
	case homePage:
		data.Title = "Projects"
	case mergeRequestsPage:
		data.Title = "Merge requests"
	case mergeTrainPage:
		data.Branch = p.branch
		data.Title = "Merge train of " + p.branch
	}
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	// The shell names the current asset hashes, so it must be revalidated.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
