package metrics_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/metrics"
)

// TestRoutesArePatterns: the route label is the pattern the mux matched,
// never the path a client sent.
func TestRoutesArePatterns(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/projects/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux.HandleFunc("/api/v4/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	h := m.Instrument(mux, func(*http.Request) bool { return false })
	for _, path := range []string{"/api/v4/projects/1", "/api/v4/projects/group%2Fsecret-name", "/api/v4/unknown/secret-sha"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	require.NoError(t, testutil.GatherAndCompare(m.Registry(), strings.NewReader(`
# HELP signalbox_http_requests_total Requests served, by door (rest, grpc, grpc-web, connect, git, web, ops), route pattern and status code (the gRPC status for gRPC).
# TYPE signalbox_http_requests_total counter
signalbox_http_requests_total{code="404",door="rest",route="/api/v4/"} 1
signalbox_http_requests_total{code="418",door="rest",route="GET /api/v4/projects/{id}"} 2
`), "signalbox_http_requests_total"))
	problems, err := testutil.GatherAndLint(m.Registry())
	require.NoError(t, err)
	require.Empty(t, problems, "names and help follow Prometheus's conventions")
}

// TestStateReadsOncePerPeriod: a scrape reuses what the last one read for
// CacheFor, and a failed read leaves the values out, is counted, and is
// tried again at the next scrape.
func TestStateReadsOncePerPeriod(t *testing.T) {
	t.Parallel()
	reads := 0
	var fail error
	trains := func(context.Context) (map[string]int, []int, int, map[string]int, error) {
		reads++
		return map[string]int{"idle": 2, "fresh": 1}, []int{1, 2}, 5, map[string]int{"merge_conflict": 1}, fail
	}
	pending := func(context.Context) (int64, time.Time, error) { return 4, time.Now().Add(-2 * time.Second), nil }
	s := metrics.NewState(trains, pending, slog.New(slog.DiscardHandler))
	want := `
# HELP signalbox_merge_train_cars Cars on merge trains, by state (idle, stale, fresh, merging).
# TYPE signalbox_merge_train_cars gauge
signalbox_merge_train_cars{state="fresh"} 1
signalbox_merge_train_cars{state="idle"} 2
# HELP signalbox_merge_train_merges_total Cars the merge trains merged (kept in the car archive).
# TYPE signalbox_merge_train_merges_total counter
signalbox_merge_train_merges_total 5
# HELP signalbox_status_check_pending_deadlines Entries of the pending status check deadline index (pending responses, and answered ones until their deadline passes).
# TYPE signalbox_status_check_pending_deadlines gauge
signalbox_status_check_pending_deadlines 4
`
	names := []string{"signalbox_merge_train_cars", "signalbox_merge_train_merges_total", "signalbox_status_check_pending_deadlines"}
	require.NoError(t, testutil.CollectAndCompare(s, strings.NewReader(want), names...))
	require.NoError(t, testutil.CollectAndCompare(s, strings.NewReader(want), names...))
	require.Equal(t, 1, reads, "the second scrape reused the first read")

	fail = errors.New("store down")
	s = metrics.NewState(trains, pending, slog.New(slog.DiscardHandler))
	require.Equal(t, 1, testutil.CollectAndCount(s), "only the error counter")
	require.NoError(t, testutil.CollectAndCompare(s, strings.NewReader(`
# HELP signalbox_state_read_errors_total Scrapes whose read of the store's state failed (the values are then missing).
# TYPE signalbox_state_read_errors_total counter
signalbox_state_read_errors_total 2
`), "signalbox_state_read_errors_total"), "a failed read is tried again at the next scrape")
}

// BenchmarkInstrument is what counting and timing adds to a request.
//
//	go test ./server/metrics -run '^$' -bench Instrument -benchmem
func BenchmarkInstrument(b *testing.B) {
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/projects/{id}", func(http.ResponseWriter, *http.Request) {})
	h := m.Instrument(mux, func(*http.Request) bool { return false })
	req := httptest.NewRequest("GET", "/api/v4/projects/1", nil)
	w := httptest.NewRecorder()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}
