package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/felixge/httpsnoop"
)

// Doors, as the requests metric names them.
const (
	doorREST    = "rest"
	doorGRPC    = "grpc"
	doorGRPCWeb = "grpc-web"
	doorConnect = "connect"
	doorGit     = "git"
	doorWeb     = "web"
	doorOps     = "ops"
)

// Classifier says which door a request came through. The composition root
// knows the doors; it answers "" for anything it does not, and the request
// counts as the web's.
type Classifier func(r *http.Request) string

// Instrument counts and times every request next serves. next must be the
// ServeMux that routes them (or wrap one without copying the request): the
// route label is the pattern the mux matched (r.Pattern), read after it
// served. git says which requests are git's.
func (m *Metrics) Instrument(next http.Handler, git func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		status := 0
		w = httpsnoop.Wrap(w, httpsnoop.Hooks{
			WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
				return func(code int) {
					if status == 0 {
						status = code
					}
					next(code)
				}
			},
			Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
				return func(b []byte) (int, error) {
					if status == 0 {
						status = http.StatusOK
					}
					return next(b)
				}
			},
		})
		next.ServeHTTP(w, r)
		if status == 0 {
			status = http.StatusOK
		}
		door, route, code := classify(r, w.Header(), status, git)
		m.requestSeries.get([3]string{door, route, code}).Inc()
		m.durationSeries.get([2]string{door, route}).Observe(time.Since(start).Seconds())
	})
}

// classify names the door, the route and the code of a served request.
func classify(r *http.Request, header http.Header, status int, git func(*http.Request) bool) (door, route, code string) {
	code = strconv.Itoa(status)
	pattern := r.Pattern
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v4/"):
		// The REST adapter's own mux matched a route of its table, or its
		// catch-all (an unknown route, 404).
		return doorREST, pattern, code
	case strings.HasPrefix(r.URL.Path, "/-/"):
		if pattern == "" || pattern == "/" {
			return doorWeb, "/-/static/", code
		}
		return doorOps, pattern, code
	case pattern == "/metrics" || strings.HasSuffix(pattern, " /metrics"):
		return doorOps, "/metrics", code
	case git(r):
		return doorGit, gitRoute(r.URL.Path), code
	case pattern != "" && pattern != "/":
		// A Connect service: the path is /package.Service/Method. A known
		// method has a bounded name; an unknown one answers 404 and counts
		// under the service's pattern.
		route = pattern
		if status != http.StatusNotFound {
			route = r.URL.Path
		}
		door = doorConnect
		ct := r.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "application/grpc-web"):
			door = doorGRPCWeb
		case strings.HasPrefix(ct, "application/grpc"):
			door = doorGRPC
			if s := grpcStatus(header); s != "" {
				code = s
			}
		}
		return door, route, code
	}
	return doorWeb, "/", code
}

// grpcStatus is the gRPC status a handler set in its trailers.
func grpcStatus(h http.Header) string {
	for _, k := range []string{"Grpc-Status", http.TrailerPrefix + "Grpc-Status"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// gitRoute names a git smart HTTP endpoint without its repository.
func gitRoute(path string) string {
	for _, end := range []string{"/info/refs", "/git-upload-pack", "/git-receive-pack"} {
		if strings.HasSuffix(path, end) {
			return "/{namespace}/{project}.git" + end
		}
	}
	return "/{namespace}/{project}.git"
}
