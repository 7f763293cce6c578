package delivery_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/delivery"
)

var fixedNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestAttemptSendsExactBodyAndHeaders(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, "tcp4", status(http.StatusAccepted))
	client := delivery.NewClient(delivery.WithAllowLocalNetwork(true))
	body := []byte(`{"object_kind":"merge_request","title":"\u003cb\u003e"}`)
	header := signed(body)
	header.Set("User-Agent", "spoofed")

	res := client.Attempt(t.Context(), recv.URL+"/hook?token=abc", header, body)
	require.Equal(t, delivery.OutcomeSuccess, res.Outcome)
	require.Equal(t, http.StatusAccepted, res.StatusCode)
	require.Empty(t, res.Error)

	got := recv.last(t)
	require.Equal(t, http.MethodPost, got.method)
	require.Equal(t, body, got.body)
	require.Equal(t, "Signalbox", got.header.Get("User-Agent"))
	require.Equal(t, "application/json", got.header.Get("Content-Type"))
	for _, name := range []string{"X-Gitlab-Signature", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
		require.Equal(t, header.Get(name), got.header.Get(name), name)
		require.NotEmpty(t, got.header.Get(name), name)
	}
	require.NotEmpty(t, header.Get("Webhook-Signature"))
}

func TestAttemptClassifiesAnswers(t *testing.T) {
	t.Parallel()
	client := delivery.NewClient(delivery.WithAllowLocalNetwork(true))
	for _, tc := range []struct {
		code    int
		outcome delivery.Outcome
		err     string
	}{
		{http.StatusOK, delivery.OutcomeSuccess, ""},
		{http.StatusNoContent, delivery.OutcomeSuccess, ""},
		{http.StatusFound, delivery.OutcomeTerminal, "HTTP 302 Found: redirects are not followed"},
		{http.StatusNotModified, delivery.OutcomeTerminal, "HTTP 304 Not Modified: redirects are not followed"},
		{http.StatusBadRequest, delivery.OutcomeTerminal, "HTTP 400 Bad Request"},
		{http.StatusUnauthorized, delivery.OutcomeTerminal, "HTTP 401 Unauthorized"},
		{http.StatusNotFound, delivery.OutcomeTerminal, "HTTP 404 Not Found"},
		{http.StatusGone, delivery.OutcomeTerminal, "HTTP 410 Gone"},
		{http.StatusTooManyRequests, delivery.OutcomeRetryable, "HTTP 429 Too Many Requests"},
		{http.StatusInternalServerError, delivery.OutcomeRetryable, "HTTP 500 Internal Server Error"},
		{http.StatusBadGateway, delivery.OutcomeRetryable, "HTTP 502 Bad Gateway"},
		{http.StatusServiceUnavailable, delivery.OutcomeRetryable, "HTTP 503 Service Unavailable"},
		{599, delivery.OutcomeRetryable, "HTTP 599"},
	} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			t.Parallel()
			recv := newReceiver(t, "tcp4", status(tc.code))
			res := client.Attempt(t.Context(), recv.URL, signed([]byte(`{}`)), []byte(`{}`))
			require.Equal(t, tc.outcome, res.Outcome)
			require.Equal(t, tc.code, res.StatusCode)
			require.Equal(t, tc.err, res.Error)
			require.False(t, res.Blocked)
			require.Zero(t, res.RetryAfter)
			requireSafe(t, res)
		})
	}
}

func TestAttemptConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there any more

	client := delivery.NewClient(delivery.WithAllowLocalNetwork(true))
	res := client.Attempt(t.Context(), "http://"+addr+"/hook", signed([]byte(`{}`)), []byte(`{}`))
	require.Equal(t, delivery.OutcomeRetryable, res.Outcome)
	require.Zero(t, res.StatusCode)
	require.Equal(t, "connection refused", res.Error)
	require.False(t, res.Blocked)
	requireSafe(t, res)
}

func TestAttemptCanceledByCaller(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, "tcp4", status(http.StatusOK))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	client := delivery.NewClient(delivery.WithAllowLocalNetwork(true))
	res := client.Attempt(ctx, recv.URL, nil, []byte(`{}`))
	require.Equal(t, delivery.OutcomeRetryable, res.Outcome)
	require.Equal(t, "the attempt was canceled", res.Error)
	require.Zero(t, recv.hits())
}

func TestAttemptRefusesUnusableURLs(t *testing.T) {
	t.Parallel()
	client := delivery.NewClient()
	for _, target := range []string{"ftp://example.com/x", "/relative/path", "http://", "::not a url", "file:///etc/passwd"} {
		res := client.Attempt(t.Context(), target, nil, []byte(`{}`))
		require.Equal(t, delivery.OutcomeTerminal, res.Outcome, target)
		require.False(t, res.Blocked, target)
		require.Equal(t, "the URL is not an absolute http or https URL", res.Error, target)
	}
}

func TestAttemptRetryAfter(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(fixedNow)
	client := delivery.NewClient(delivery.WithAllowLocalNetwork(true), delivery.WithClock(clk))
	for _, tc := range []struct {
		name       string
		code       int
		retryAfter string
		want       time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, "7", 7 * time.Second},
		{"503 date", http.StatusServiceUnavailable, fixedNow.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{"503 date in the past", http.StatusServiceUnavailable, fixedNow.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"429 garbage", http.StatusTooManyRequests, "soon", 0},
		{"429 negative", http.StatusTooManyRequests, "-5", 0},
		{"429 huge", http.StatusTooManyRequests, "99999999999999", 24 * time.Hour},
		{"500 ignores it", http.StatusInternalServerError, "7", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recv := newReceiver(t, "tcp4", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", tc.retryAfter)
				w.WriteHeader(tc.code)
			})
			res := client.Attempt(t.Context(), recv.URL, nil, []byte(`{}`))
			require.Equal(t, delivery.OutcomeRetryable, res.Outcome)
			require.Equal(t, tc.want, res.RetryAfter)
			require.Equal(t, fixedNow, res.Start, "the attempt is timed by the injected clock")
		})
	}
}

func TestOutcomeString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "success", delivery.OutcomeSuccess.String())
	require.Equal(t, "retryable", delivery.OutcomeRetryable.String())
	require.Equal(t, "terminal", delivery.OutcomeTerminal.String())
	require.Equal(t, "Outcome(0)", delivery.Outcome(0).String())
}
