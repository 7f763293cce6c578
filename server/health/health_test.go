package health_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/health"
)

func TestEndpoints(t *testing.T) {
	t.Parallel()
	var storeDown atomic.Bool
	mux := http.NewServeMux()
	health.Mount(mux, slog.New(slog.DiscardHandler),
		health.Check{Name: "redis_check", Message: "the store does not answer", Run: func(context.Context) error {
			if storeDown.Load() {
				return errors.New("dial tcp 10.0.0.7:6379: connection refused")
			}
			return nil
		}},
		health.Check{Name: "git_check", Message: "git does not run", Run: func(context.Context) error { return nil }},
	)
	get := func(path string) (int, string, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
	}

	code, ct, body := get("/-/liveness")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "application/json", ct)
	require.JSONEq(t, `{"status":"ok"}`, body)

	code, ct, body = get("/-/health")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "text/plain; charset=utf-8", ct)
	require.Equal(t, "Signalbox OK", body)

	code, _, body = get("/-/readiness")
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"status":"ok","master_check":[{"status":"ok"}],"redis_check":[{"status":"ok"}],"git_check":[{"status":"ok"}]}`, body)

	storeDown.Store(true)
	code, _, body = get("/-/readiness")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.JSONEq(t, `{"status":"failed","master_check":[{"status":"ok"}],"redis_check":[{"status":"failed","message":"the store does not answer"}],"git_check":[{"status":"ok"}]}`, body)
	require.NotContains(t, body, "10.0.0.7", "a dependency's address stays in the log")

	code, _, _ = get("/-/liveness")
	require.Equal(t, http.StatusOK, code, "liveness does not depend on the store")
}
