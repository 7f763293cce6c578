package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/roundtrip"
)

// hotPathBudget is what one call of each status check hot path may cost in
// Redis round trips, for a developer (so the membership is read too) on a
// merge request with two checks: on a replica that has not served the merge
// request yet (cold), and on one that has (warm: its prefetch guesses what
// the first round's reads lead to, see redisstore.guesses). These are
// counts, not timings: a change that adds a round trip to a hot path fails
// here, and the load tool (e2e/load) shows what each one costs in
// throughput.
var hotPathBudget = map[string]struct{ cold, warm int64 }{
	// Warm: token, user, membership, project, merge request, checks and
	// their responses at the head, in one round trip.
	"GET status_checks": {cold: 2, warm: 1},
	// A project named by its path is found first: one round trip more, when
	// cold.
	"GET status_checks by path": {cold: 3, warm: 1},
	// The read ahead, the answer's id with its pair lease, the answer's
	// transaction (its dirty mark and the lease's release included: one
	// server here; on Redis Cluster they follow it, one round trip more, see
	// redisstore.ReplaceReleasing). The event is not the call's: the
	// bus's sender publishes it afterwards (server/event).
	"POST status_check_responses": {cold: 4, warm: 3},
}

// commandLog records the commands sent under a context that carries it, for
// the failure message.
type commandLog struct {
	mu    sync.Mutex
	trips []string
}

type commandLogKey struct{}

func (l *commandLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trips = append(l.trips, s)
}

type loggingHook struct{}

func (loggingHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (loggingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if l, ok := ctx.Value(commandLogKey{}).(*commandLog); ok {
			l.add(cmd.Name())
		}
		return next(ctx, cmd)
	}
}

func (loggingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if l, ok := ctx.Value(commandLogKey{}).(*commandLog); ok {
			names := make([]string, len(cmds))
			for i, c := range cmds {
				names[i] = c.Name()
			}
			l.add("[" + strings.Join(names, " ") + "]")
		}
		return next(ctx, cmds)
	}
}

// hotPathGate is a gate whose Redis client counts round trips, with two
// checks on root/p and a developer: their token and the merge request's
// head.
func hotPathGate(tb testing.TB, opts ...servertest.Option) (g *gate, dev, sha string) {
	tb.Helper()
	g = newGate(tb, append(opts, servertest.WithRedisHook(roundtrip.Hook{}))...)
	_, dev = g.user(tb, "dev", 30, "")
	for _, name := range []string{"a", "b"} {
		g.srv.Root(tb, "POST", "/api/v4/projects/1/external_status_checks",
			map[string]any{"name": name, "external_url": "https://" + name + ".example.test/hook"}, nil)
	}
	var mr struct {
		SHA string `json:"sha"`
	}
	g.srv.Root(tb, "GET", "/api/v4/projects/1/merge_requests/1", nil, &mr)
	return g, dev, mr.SHA
}

func TestHotPathRoundTrips(t *testing.T) {
	t.Parallel()
	g, dev, sha := hotPathGate(t, servertest.WithRedisHook(loggingHook{}))

	call := func(name string, warm bool, method, path string, body any, want int) {
		t.Helper()
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		var count roundtrip.Count
		log := &commandLog{}
		ctx := context.WithValue(roundtrip.WithCount(context.Background(), &count), commandLogKey{}, log)
		req := httptest.NewRequestWithContext(ctx, method, path, bytes.NewReader(b))
		req.Header.Set("PRIVATE-TOKEN", dev)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		g.srv.App.Handler().ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("%s: %d %s", name, rec.Code, rec.Body)
		}
		t.Logf("%s: %d commands in %d round trips: %s", name, count.Commands(), count.RoundTrips(), strings.Join(log.trips, " "))
		budget := hotPathBudget[name].cold
		if warm {
			budget = hotPathBudget[name].warm
		}
		if count.RoundTrips() > budget {
			t.Errorf("%s (warm %v) took %d round trips, over its budget of %d: %s", name, warm, count.RoundTrips(), budget, strings.Join(log.trips, " "))
		}
	}
	for _, warm := range []bool{false, true} {
		call("GET status_checks", warm, "GET", "/api/v4/projects/1/merge_requests/1/status_checks", nil, http.StatusOK)
		call("GET status_checks by path", warm, "GET", "/api/v4/projects/root%2Fp/merge_requests/1/status_checks", nil, http.StatusOK)
		call("POST status_check_responses", warm, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
			map[string]any{"external_status_check_id": 1, "sha": sha, "status": "passed"}, http.StatusCreated)
	}
}

// BenchmarkHotPaths serves the status check hot paths through the whole
// handler (REST door, Connect in process, auth, scope, store on a real
// Redis), one call at a time, and reports what each costs in Redis:
//
//	go test ./server/api -run '^$' -bench HotPaths -benchmem
func BenchmarkHotPaths(b *testing.B) {
	g, dev, sha := hotPathGate(b)
	post, _ := json.Marshal(map[string]any{"external_status_check_id": 1, "sha": sha, "status": "passed"})
	for _, c := range []struct {
		name, method, path string
		body               []byte
		want               int
	}{
		{"GET_status_checks", "GET", "/api/v4/projects/1/merge_requests/1/status_checks", nil, http.StatusOK},
		{"POST_status_check_responses", "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses", post, http.StatusCreated},
	} {
		b.Run(c.name, func(b *testing.B) {
			var count roundtrip.Count
			ctx := roundtrip.WithCount(context.Background(), &count)
			cpu := processCPU(b)
			for b.Loop() {
				req := httptest.NewRequestWithContext(ctx, c.method, c.path, bytes.NewReader(c.body))
				req.Header.Set("PRIVATE-TOKEN", dev)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				g.srv.App.Handler().ServeHTTP(rec, req)
				if rec.Code != c.want {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			// The process's CPU time (user and system, every goroutine and
			// the GC) per call: on a shared machine wall time mostly
			// measures waiting for Redis and for the other tenants.
			b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(count.RoundTrips())/float64(b.N), "roundtrips/op")
			b.ReportMetric(float64(count.Commands())/float64(b.N), "cmds/op")
		})
	}
}

// processCPU is the CPU time this process has used so far.
func processCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
