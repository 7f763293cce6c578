package app

import (
	"net/http"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"

	"github.com/signalbox/signalbox/server/api"
	"github.com/signalbox/signalbox/server/githttp"
	"github.com/signalbox/signalbox/server/health"
	"github.com/signalbox/signalbox/server/rest"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/web"
)

// newMux is the one table of doors: Connect (gRPC, gRPC-Web, Connect), gRPC
// health and reflection, GitLab REST under /api/v4, health endpoints, git,
// and the browser pages.
func newMux(server *connect.Server, restHandler *rest.Handler, gitHandler http.Handler, st store.Store, ops ops) http.Handler {
	mux := http.NewServeMux()
	connecthttp.Mount(mux, server)

	checker := &storeChecker{store: st, services: api.ServiceNames()}
	mux.Handle(grpchealth.NewHandler(checker))
	reflector := grpcreflect.NewStaticReflector(append(api.ServiceNames(), grpchealth.HealthV1ServiceName)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))

	mux.Handle("/api/v4/", restHandler)

	// Everything else under /<namespace>/<project>.git is git smart HTTP;
	// the rest is the browser pages and their assets, which 404 anything
	// they do not know.
	pages := web.NewHandler()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if isGitRequest(r) {
			gitHandler.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})

	// GitLab's health endpoints, for load balancers and orchestrators, and
	// Prometheus's /metrics.
	health.Mount(mux, ops.logger, ops.readiness...)
	mux.Handle("GET /metrics", ops.metrics.Handler())
	return noSniff(ops.metrics.Instrument(mux, isGitRequest))
}

// noSniff tells browsers to take every answer, from every door, as the
// Content-Type it declares and never to guess: a JSON body that holds a
// user's text is never run as a script or rendered as HTML.
func noSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// isGitRequest reports whether r is for git smart HTTP: a smart HTTP
// endpoint under a path that names a .git repository.
func isGitRequest(r *http.Request) bool {
	_, _, ok := githttp.SplitPath(r.URL.Path)
	return ok && strings.Contains(r.URL.Path, ".git")
}
