//go:build unix

package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// scrape reads /metrics as Prometheus would.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	return families
}

// sample is the value of the series of family whose labels include want, 0
// when there is none.
func sample(families map[string]*dto.MetricFamily, family string, want map[string]string) float64 {
	f := families[family]
	if f == nil {
		return 0
	}
	total := 0.0
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			total += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			total += m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total
}

// TestMetricsAfterAScenario runs a small scenario on the binary (a push, a
// merge request whose check is delivered and answered, a pipeline, an
// unknown route, a merge train) and scrapes /metrics: every part reports,
// routes are patterns, and no label carries a path, a sha or a name a
// client chose.
func TestMetricsAfterAScenario(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json")
	recv := newCountingReceiver(t)

	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	check := createCheck(t, srv.URL, map[string]any{"name": "secret-check-name", "external_url": recv.URL + "/hook"})
	pushBranches(t, srv.URL, "feature-x")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": "feature-x", "target_branch": "main", "title": "X"})
	sha := mrSHA(t, srv.URL, 1)
	require.Eventually(t, func() bool { return len(recv.counts()) == 1 }, 20*time.Second, 20*time.Millisecond, "the check is delivered")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"external_status_check_id": check, "sha": sha, "status": "passed"})
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/statuses/"+sha, map[string]any{"state": "running", "name": "ci"})
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/statuses/"+sha, map[string]any{"state": "success", "name": "ci"})
	status, _ := api(t, srv.URL, "GET", "/api/v4/projects/1/no-such-thing/"+sha, nil)
	require.Equal(t, http.StatusNotFound, status)

	var m map[string]*dto.MetricFamily
	require.Eventually(t, func() bool {
		m = scrape(t, srv.URL)
		return sample(m, "signalbox_delivery_attempts_total", map[string]string{"outcome": "success"}) >= 1
	}, 10*time.Second, 50*time.Millisecond, "the delivery is counted")

	rest := func(route, code string) float64 {
		return sample(m, "signalbox_http_requests_total", map[string]string{"door": "rest", "route": route, "code": code})
	}
	require.Equal(t, 1.0, rest("POST /api/v4/projects/{id}/merge_requests/{merge_request_iid}/status_check_responses", "201"))
	require.Equal(t, 1.0, rest("POST /api/v4/projects", "201"))
	require.Equal(t, 2.0, rest("POST /api/v4/projects/{id}/statuses/{sha}", "201"))
	require.Equal(t, 1.0, rest("/api/v4/", "404"), "an unknown route counts under the catch-all")
	require.GreaterOrEqual(t, sample(m, "signalbox_http_request_duration_seconds",
		map[string]string{"door": "rest", "route": "POST /api/v4/projects/{id}/merge_requests"}), 1.0)
	require.GreaterOrEqual(t, sample(m, "signalbox_http_requests_total",
		map[string]string{"door": "git", "route": "/{namespace}/{project}.git/git-receive-pack", "code": "200"}), 1.0)
	require.GreaterOrEqual(t, sample(m, "signalbox_http_requests_total",
		map[string]string{"door": "ops", "route": "GET /-/readiness", "code": "200"}), 1.0, "the harness waited on readiness")

	require.Equal(t, 1.0, sample(m, "signalbox_delivery_attempt_duration_seconds", map[string]string{"outcome": "success"}))
	require.Equal(t, 1.0, sample(m, "signalbox_pipeline_duration_seconds", map[string]string{"status": "success"}))
	require.Greater(t, sample(m, "signalbox_store_command_duration_seconds", map[string]string{"command": "multi"}), 0.0)
	require.Greater(t, sample(m, "signalbox_store_command_duration_seconds", map[string]string{"command": "hget"}), 0.0)
	require.Contains(t, m, "signalbox_store_errors_total")
	require.Contains(t, m, "signalbox_status_check_pending_deadlines")
	require.Contains(t, m, "signalbox_status_check_expiry_lag_seconds")
	require.Contains(t, m, "signalbox_merge_train_cars")
	require.Contains(t, m, "signalbox_merge_train_depth")
	require.Contains(t, m, "signalbox_merge_train_merges_total")
	require.Contains(t, m, "go_goroutines")
	require.Contains(t, m, "process_cpu_seconds_total")

	// The Grafana dashboard asks only for metrics the server has.
	dashboard, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "deploy", "grafana", "signalbox.json"))
	require.NoError(t, err)
	names := regexp.MustCompile(`\b(?:signalbox|go|process)_[a-z_]+`).FindAllString(string(dashboard), -1)
	require.NotEmpty(t, names)
	for _, name := range names {
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if trimmed, ok := strings.CutSuffix(name, suffix); ok && m[trimmed] != nil {
				base = trimmed
			}
		}
		require.Contains(t, m, base, "the dashboard's %s", name)
	}

	// Bounded labels: nothing a client chose or the repository holds.
	for name, f := range m {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				for _, secret := range []string{sha, "root/demo", "feature-x", "secret-check-name", "no-such-thing"} {
					require.NotContains(t, l.GetValue(), secret, "metric %s label %s", name, l.GetName())
				}
			}
		}
	}
}

// TestHealthEndpoints: GitLab's three health endpoints on the binary.
func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, binary, nil, "--data-dir", t.TempDir(), "--root-token", rootToken)
	get := func(path string) (int, string) {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	code, body := get("/-/liveness")
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"status":"ok"}`, body)
	code, body = get("/-/health")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "Signalbox OK", body)
	code, body = get("/-/readiness")
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"status":"ok","master_check":[{"status":"ok"}],"redis_check":[{"status":"ok"}],"git_check":[{"status":"ok"}]}`, body)
	var parsed map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &parsed))
	require.False(t, strings.Contains(body, "redis://"), fmt.Sprintf("no address in %s", body))
}

// TestVersionFlagAndRouteAgree: `signalbox --version` and GET
// /api/v4/version report the same build.
func TestVersionFlagAndRouteAgree(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary, "--version").Output()
	require.NoError(t, err)
	line := strings.TrimSpace(string(out))
	require.True(t, strings.HasPrefix(line, "signalbox "), line)
	require.Contains(t, line, runtime.Version(), "the toolchain is named")

	srv := harness.Start(t, binary, nil, "--data-dir", t.TempDir(), "--root-token", rootToken)
	var v struct {
		Version  string `json:"version"`
		Revision string `json:"revision"`
	}
	require.NoError(t, json.Unmarshal(mustAPI(t, srv.URL, "GET", "/api/v4/version", nil), &v))
	require.NotEmpty(t, v.Version)
	require.True(t, strings.HasPrefix(line, "signalbox "+v.Version+" "), "%q names version %q", line, v.Version)
	if v.Revision != "" {
		require.Contains(t, line, "(revision "+v.Revision, "the same commit")
	}
	res, err := http.Get(srv.URL + "/api/v4/version")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "as on GitLab, only to a signed-in user")
}
