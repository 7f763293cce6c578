package githttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/signalbox/signalbox/server/gitrepo"
)

// DefaultMaxRequestBytes bounds a request body, after decompression,
// unless WithMaxRequestBytes says otherwise.
const DefaultMaxRequestBytes = 1 << 30

// Realm is the basic-auth realm git shows when it asks for credentials.
const Realm = "Signalbox"

// Handler is the smart HTTP door. It is safe for concurrent use.
type Handler struct {
	runner       *gitrepo.Runner
	resolver     Resolver
	listener     PushListener
	logger       *slog.Logger
	maxBytes     int64
	writeTimeout time.Duration
	limits       backendLimits
}

// Option configures a Handler.
type Option interface{ apply(*Handler) }

type optionFunc func(*Handler)

func (f optionFunc) apply(h *Handler) { f(h) }

// WithMaxRequestBytes bounds request bodies to n bytes (after gzip
// decompression, so that a small compressed body cannot expand without
// limit). Larger requests get 413.
func WithMaxRequestBytes(n int64) Option {
	return optionFunc(func(h *Handler) { h.maxBytes = n })
}

// WithMaxBackends bounds the git http-backend runs at once to total over
// all clients (beyond it, 503) and to perClient for one user, or one remote
// address when anonymous (beyond it, 429); both answers carry Retry-After.
// Zero means no bound.
func WithMaxBackends(total, perClient int) Option {
	return optionFunc(func(h *Handler) { h.limits.max, h.limits.perClient = total, perClient })
}

// WithWriteTimeout cuts a response, and kills its git processes, when one
// write to the client waits longer than d: a client that stops reading
// holds nothing for long. Zero means no limit. (Request bodies get their
// read deadlines from package deadline, for every door.)
func WithWriteTimeout(d time.Duration) Option {
	return optionFunc(func(h *Handler) { h.writeTimeout = d })
}

// Running is the number of git http-backend runs under way.
func (h *Handler) Running() int { return h.limits.inUse() }

// New returns a Handler that runs git http-backend with runner's git and
// hardened environment, asks resolver who may do what, and tells listener
// (which may be nil) about accepted pushes.
func New(runner *gitrepo.Runner, resolver Resolver, listener PushListener, logger *slog.Logger, opts ...Option) *Handler {
	h := &Handler{runner: runner, resolver: resolver, listener: listener, logger: logger, maxBytes: DefaultMaxRequestBytes}
	for _, o := range opts {
		o.apply(h)
	}
	return h
}

// ServeHTTP answers the three smart HTTP endpoints of a repository and 404
// for anything else.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	projectPath, endpoint, ok := SplitPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}

	// Which service, and whether this request only advertises refs or
	// runs it.
	service, wantMethod := "", http.MethodPost
	switch endpoint {
	case infoRefs:
		wantMethod = http.MethodGet
		var ok bool
		if service, ok = serviceParam(r.URL.RawQuery); !ok {
			// git http-backend reads the last service parameter, net/url
			// the first: a Reporter asking for upload-pack then
			// receive-pack would be let through as a reader and served
			// the push advertisement.
			http.Error(w, "The query must give the service parameter exactly once.", http.StatusBadRequest)
			return
		}
		if service != uploadPack && service != receivePack {
			http.Error(w, "Only the smart HTTP protocol is supported: run git 1.6.6 or newer.", http.StatusForbidden)
			return
		}
	default:
		service = endpoint
	}
	if r.Method != wantMethod {
		w.Header().Set("Allow", wantMethod)
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, h.maxBytes)
	}

	token, hasCredentials := credentials(r)
	repo, access, err := h.resolver.Resolve(ctx, projectPath, token)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		h.challenge(w)
		return
	case errors.Is(err, ErrNotFound) && !hasCredentials:
		h.challenge(w)
		return
	case errors.Is(err, ErrNotFound):
		http.Error(w, "The project you were looking for could not be found or you don't have permission to view it.", http.StatusNotFound)
		return
	case err != nil:
		h.logger.ErrorContext(ctx, "git http: resolve project", "project", projectPath, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	push := service == receivePack
	switch {
	case !access.Read && !hasCredentials, push && !hasCredentials:
		h.challenge(w)
		return
	case !access.Read:
		http.Error(w, "You are not allowed to download code from this project.", http.StatusForbidden)
		return
	case push && !access.Push:
		http.Error(w, "You are not allowed to push code to this project.", http.StatusForbidden)
		return
	}

	var updates []RefUpdate
	if endpoint == receivePack {
		var status int
		var msg string
		updates, status, msg = h.readPush(r)
		if status == 0 {
			msg = authorizePush(repo, access, updates)
			status = http.StatusForbidden
		}
		if msg != "" {
			h.logger.InfoContext(ctx, "git push refused", "project_id", repo.ProjectID, "user_id", access.UserID, "reason", msg)
			if status != http.StatusRequestTimeout {
				// Read what the client is still sending (within the
				// limit), so that it sees this answer rather than a
				// reset connection.
				_, _ = io.Copy(io.Discard, r.Body)
			}
			http.Error(w, msg, status)
			return
		}
	}

	release, busy := h.limits.acquire(clientKey(r, access.UserID))
	if busy != 0 {
		h.logger.WarnContext(ctx, "git request refused: too many at once", "project_id", repo.ProjectID,
			"user_id", access.UserID, "status", busy)
		refuseBusy(w, busy)
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	var follow func()
	if endpoint == receivePack {
		// Once receive-pack has reported, or else once it has exited.
		follow = sync.OnceFunc(func() { h.follow(ctx, rec, projectPath, repo, access.UserID, updates) })
	}
	h.serveBackend(rec, r, backendRequest{repo: repo, endpoint: endpoint, service: service,
		denyRewrites: access.deniesRewrite(updates), reported: follow})
	release()
	if follow != nil {
		follow()
	}
}

// follow tells the listener about the updates of a push that landed.
func (h *Handler) follow(ctx context.Context, rec *statusRecorder, projectPath string, repo Repository, userID int64, updates []RefUpdate) {
	if rec.status() != http.StatusOK {
		return
	}
	// receive-pack answers 200 even when it refused some refs (a rewrite
	// of a protected branch, a stale old value): only the updates that
	// landed are news.
	updates = h.landed(ctx, repo, updates)
	if len(updates) == 0 {
		return
	}
	h.logger.InfoContext(ctx, "git push", "project_id", repo.ProjectID, "user_id", userID, "refs", len(updates))
	if h.listener != nil {
		// The push has happened; a client hanging up now must not stop
		// the server from noticing it.
		h.listener.Pushed(context.WithoutCancel(ctx), Push{
			ProjectPath: projectPath, Repository: repo, UserID: userID, Updates: updates,
		})
	}
}

// serviceParam returns the one service parameter of an info/refs query;
// ok is false when the query cannot be read or names the service more
// than once, even with the same value.
func serviceParam(rawQuery string) (service string, ok bool) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil || len(q["service"]) > 1 {
		return "", false
	}
	return q.Get("service"), true
}

// landed keeps the updates that the repository's refs now show.
func (h *Handler) landed(ctx context.Context, repo Repository, updates []RefUpdate) []RefUpdate {
	r := h.runner.Open(repo.Dir)
	var out []RefUpdate
	for _, u := range updates {
		sha, err := r.Ref(ctx, u.Ref)
		switch {
		case errors.Is(err, gitrepo.ErrNotFound):
			sha = ""
		case err != nil:
			// Unsure: report it, as the listener re-reads the refs anyway.
			h.logger.WarnContext(ctx, "git push: read ref", "project_id", repo.ProjectID, "ref", u.Ref, "error", err)
			out = append(out, u)
			continue
		}
		if (u.Deleted() && sha == "") || (!u.Deleted() && sha == u.New) {
			out = append(out, u)
		}
	}
	return out
}

// credentials returns the basic-auth password, which is the token; any
// user name is accepted, as on GitLab.
func credentials(r *http.Request) (token string, ok bool) {
	_, password, ok := r.BasicAuth()
	if !ok {
		// A malformed Authorization header still counts as an attempt, so
		// it gets 401 rather than anonymous access.
		return "", r.Header.Get("Authorization") != ""
	}
	return password, true
}

// challenge answers 401 with a basic-auth challenge, which makes git ask
// its credential helpers or the user.
func (h *Handler) challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`"`)
	http.Error(w, "HTTP Basic: Access denied. The provided password or token is incorrect or missing.", http.StatusUnauthorized)
}

// readPush reads the command list of a receive-pack request and puts the
// body back together so that http-backend receives the same bytes,
// decompressed. A non-zero status means the request cannot go on.
func (h *Handler) readPush(r *http.Request) (updates []RefUpdate, status int, msg string) {
	var body io.Reader = r.Body
	switch r.Header.Get("Content-Encoding") {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, http.StatusBadRequest, "The request body is not valid gzip."
		}
		body = zr
	default:
		return nil, http.StatusUnsupportedMediaType, "Unsupported Content-Encoding."
	}
	limited := &limitReader{r: body, n: h.maxBytes}

	var head bytes.Buffer
	updates, err := ReadCommands(io.TeeReader(limited, &head))
	var maxBytes *http.MaxBytesError
	switch {
	case errors.Is(err, errTooLarge), errors.As(err, &maxBytes):
		return nil, http.StatusRequestEntityTooLarge, "The request is too large."
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, http.StatusRequestTimeout, "The request body stalled: nothing arrived in time."
	case err != nil:
		return nil, http.StatusBadRequest, err.Error()
	}
	r.Body = readCloser{Reader: io.MultiReader(&head, limited), Closer: r.Body}
	// http-backend now gets a plain body of unknown length, which it reads
	// to the end (CONTENT_LENGTH is left out).
	r.Header.Del("Content-Encoding")
	r.Header.Del("Content-Length")
	r.ContentLength = -1
	return updates, 0, ""
}

// statusRecorder remembers the status http-backend answered with.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusRecorder) status() int { return s.code }

// Unwrap lets http.ResponseController reach the server's writer, for
// flushes and write deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type readCloser struct {
	io.Reader
	io.Closer
}

var errTooLarge = errors.New("request body too large")

// limitReader fails with errTooLarge past n bytes, where io.LimitReader
// would end quietly and let a truncated body through.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Anything left at all is over the limit.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
