// Package health serves the health endpoints as GitLab names them, for load
// balancers and orchestrators:
//
//   - GET /-/liveness: the process serves HTTP ({"status":"ok"});
//   - GET /-/readiness: it can serve requests: every dependency check
//     passes (200), or one fails (503), in GitLab's shape;
//   - GET /-/health: a plain "Signalbox OK" (GitLab says "GitLab OK").
package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Check is one dependency readiness looks at. Run's error is logged; the
// response only says the check failed, and its Message, so that no
// address or credential of a dependency reaches an unauthenticated caller.
type Check struct {
	// Name is the key in the readiness body, GitLab-style: "redis_check".
	Name string
	// Message is shown when the check fails.
	Message string
	Run     func(ctx context.Context) error
}

// Timeout bounds every check of one readiness request.
const Timeout = 2 * time.Second

// result is one entry of a check's list, as GitLab shows it.
type result struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// Mount registers the endpoints on mux.
func Mount(mux *http.ServeMux, logger *slog.Logger, checks ...Check) {
	mux.HandleFunc("GET /-/liveness", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /-/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Signalbox OK"))
	})
	mux.HandleFunc("GET /-/readiness", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), Timeout)
		defer cancel()
		body := map[string]any{"master_check": []result{{Status: "ok"}}}
		results := make([]result, len(checks))
		var wg sync.WaitGroup
		for i, c := range checks {
			wg.Go(func() {
				if err := c.Run(ctx); err != nil {
					logger.WarnContext(ctx, "readiness check failed", "check", c.Name, "error", err)
					results[i] = result{Status: "failed", Message: c.Message}
					return
				}
				results[i] = result{Status: "ok"}
			})
		}
		wg.Wait()
		status, code := "ok", http.StatusOK
		for i, c := range checks {
			body[c.Name] = []result{results[i]}
			if results[i].Status != "ok" {
				status, code = "failed", http.StatusServiceUnavailable
			}
		}
		body["status"] = status
		writeJSON(w, code, body)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
