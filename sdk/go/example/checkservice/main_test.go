package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/sdk/go/receiver"
)

const (
	testSecret = "check-secret-for-tests"
	testToken  = "glpat-test-token"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	for title, want := range map[string]verdict{
		"Update README.md":           verdictPass,
		"Fix the draft: wording":     verdictPass,
		"Draft: Update README.md":    verdictFail,
		"draft: lower case":          verdictFail,
		"[Draft] old style":          verdictFail,
		"(Draft) older style":        verdictFail,
		"Refactor [fail]":            verdictFail,
		"Refactor [FAIL]":            verdictFail,
		"Slow one [pending]":         verdictPending,
		"Draft: but [pending]":       verdictPending,
		"Quiet [silent]":             verdictSilent,
		"Broken [error]":             verdictError,
		"[error] beats [fail]":       verdictError,
		"[silent] beats [pending]":   verdictSilent,
		"":                           verdictPass,
		"Not a tag: fail, draft, ok": verdictPass,
	} {
		require.Equal(t, want, decide(title, false), title)
		if title != "" && !strings.Contains(title, "fail-train") {
			require.Equal(t, want, decide(title, true), "a car is judged as its head: %s", title)
		}
	}
	require.Equal(t, verdictPass, decide("Together they break [fail-train]", false))
	require.Equal(t, verdictFail, decide("Together they break [fail-train]", true))
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"CHECKSERVICE_LISTEN":    "127.0.0.1:9999",
		"CHECKSERVICE_SECRET":    "from-env",
		"SIGNALBOX_URL":          "http://signalbox.test",
		"SIGNALBOX_TOKEN":        "tok",
		"CHECKSERVICE_LOG_LEVEL": "debug",
	}
	cfg, err := parseConfig(nil, func(k string) string { return env[k] }, &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9999", cfg.listen)
	require.Equal(t, "/hook", cfg.path)
	require.Equal(t, "from-env", cfg.secret)
	require.Equal(t, "http://signalbox.test", cfg.signalboxURL)
	require.Equal(t, "tok", cfg.token)
	require.Equal(t, slog.LevelDebug, cfg.logLevel)
	require.False(t, cfg.requireTimestamp)

	cfg, err = parseConfig([]string{"--listen", "127.0.0.1:0", "--path", "/check", "--require-timestamp", "--secret", "from-flag"},
		func(k string) string { return env[k] }, &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:0", cfg.listen, "a flag beats its variable")
	require.Equal(t, "/check", cfg.path)
	require.Equal(t, "from-flag", cfg.secret)
	require.True(t, cfg.requireTimestamp)

	noEnv := func(string) string { return "" }
	_, err = parseConfig(nil, noEnv, &bytes.Buffer{})
	require.ErrorContains(t, err, "--token")
	_, err = parseConfig([]string{"--token", "t", "--log-level", "loud"}, noEnv, &bytes.Buffer{})
	require.ErrorContains(t, err, "--log-level")
	_, err = parseConfig([]string{"--token", "t", "--path", "hook"}, noEnv, &bytes.Buffer{})
	require.ErrorContains(t, err, "--path")
	_, err = parseConfig([]string{"--token", "t", "extra"}, noEnv, &bytes.Buffer{})
	require.ErrorContains(t, err, "unexpected arguments")
}

// fakeSignalbox stands in for the server's StatusCheckService.
type fakeSignalbox struct {
	signalboxv1connect.UnimplementedStatusCheckServiceHandler
	mu      sync.Mutex
	answers map[int64]signalboxv1.StatusCheckStatus // by merge request iid
	auth    []string
}

func (f *fakeSignalbox) SetStatusCheckResponse(ctx context.Context, req *signalboxv1.SetStatusCheckResponseRequest) (*signalboxv1.SetStatusCheckResponseResponse, error) {
	info, _ := connect.CallInfoForServerContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.GetSha() != shaFor(req.GetMergeRequestIid()) || req.GetProject() != "7" || req.GetExternalStatusCheckId() != 3 {
		return nil, connect.NewError(connect.CodeFailedPrecondition, "unexpected request")
	}
	f.answers[req.GetMergeRequestIid()] = req.GetStatus()
	f.auth = append(f.auth, info.RequestHeader().Get("Authorization"))
	return &signalboxv1.SetStatusCheckResponseResponse{}, nil
}

func shaFor(iid int64) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(iid, 10)))
	return hex.EncodeToString(sum[:20])
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// deliver posts a payload for one merge request as Signalbox would, signed
// with both signatures computed here.
func deliver(t *testing.T, url string, iid int64, title string) int {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"object_kind": "merge_request",
		"event_type":  "merge_request",
		"project":     map[string]any{"id": 7},
		"object_attributes": map[string]any{
			"iid": iid, "title": title, "action": "open",
			"last_commit": map[string]any{"id": shaFor(iid)},
		},
		"external_approval_rule": map[string]any{"id": 3, "name": "policy", "external_url": url},
	})
	require.NoError(t, err)
	id := "msg_" + strconv.FormatInt(iid, 10)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	gitlab := hmac.New(sha256.New, []byte(testSecret))
	gitlab.Write(body)
	standard := hmac.New(sha256.New, []byte(testSecret))
	standard.Write([]byte(id + "." + ts + "."))
	standard.Write(body)

	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gitlab-Signature", hex.EncodeToString(gitlab.Sum(nil)))
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(standard.Sum(nil)))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	return res.StatusCode
}

func TestServeDecidesAndResponds(t *testing.T) {
	t.Parallel()
	fake := &fakeSignalbox{answers: map[int64]signalboxv1.StatusCheckStatus{}}
	server := connect.NewServer()
	signalboxv1connect.RegisterStatusCheckServiceHandler(server, fake)
	mux := http.NewServeMux()
	connecthttp.Mount(mux, server)
	signalbox := httptest.NewServer(mux)
	t.Cleanup(signalbox.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := config{path: "/hook", secret: testSecret, signalboxURL: signalbox.URL, token: testToken, shutdownTimeout: 10 * time.Second}
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, ln, cfg, receiver.NewHTTPResponder(nil, signalbox.URL, testToken), slog.New(slog.NewJSONHandler(logs, nil)))
	}()
	hook := "http://" + ln.Addr().String() + "/hook"

	require.Equal(t, http.StatusAccepted, deliver(t, hook, 1, "Update README.md"))
	require.Equal(t, http.StatusAccepted, deliver(t, hook, 2, "Draft: Update README.md"))
	require.Equal(t, http.StatusAccepted, deliver(t, hook, 3, "Refactor [fail]"))
	require.Equal(t, http.StatusAccepted, deliver(t, hook, 4, "Slow [pending]"))
	require.Equal(t, http.StatusAccepted, deliver(t, hook, 5, "Quiet [silent]"))
	require.Equal(t, http.StatusInternalServerError, deliver(t, hook, 6, "Broken [error]"))

	res, err := http.Post(hook, "application/json", bytes.NewReader([]byte(`{}`)))
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "unsigned requests are refused")

	res, err = http.Get("http://" + ln.Addr().String() + "/healthz")
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode)

	// Shutdown waits for the verdicts still being posted.
	cancel()
	require.NoError(t, <-served)

	fake.mu.Lock()
	defer fake.mu.Unlock()
	require.Equal(t, map[int64]signalboxv1.StatusCheckStatus{
		1: signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED,
		2: signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED,
		3: signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED,
		4: signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING,
	}, fake.answers)
	require.Equal(t, []string{"Bearer " + testToken, "Bearer " + testToken, "Bearer " + testToken, "Bearer " + testToken}, fake.auth)

	out := logs.String()
	require.Contains(t, out, `"msg":"verdict posted"`)
	require.NotContains(t, out, testSecret)
	require.NotContains(t, out, testToken)
}

func TestRunShutsDownWhenAsked(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stderr syncBuffer
	err := run(ctx, []string{"--listen", "127.0.0.1:0", "--token", testToken, "--secret", testSecret}, func(string) string { return "" }, &stderr)
	require.NoError(t, err)
	require.Contains(t, stderr.String(), `"msg":"listening"`)
	require.Contains(t, stderr.String(), `"msg":"shutting down"`)
	require.NotContains(t, stderr.String(), testToken)
	require.NotContains(t, stderr.String(), testSecret)

	err = run(t.Context(), []string{"--listen", "127.0.0.1:0"}, func(string) string { return "" }, &stderr)
	require.ErrorContains(t, err, "--token")
}
