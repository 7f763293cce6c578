package delivery_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/delivery"
)

// testSecret is signed into every test request, so that tests can check it
// never surfaces in a result.
const testSecret = "do-not-leak-this-secret"

// testReceiver is a real HTTP server that records what it was sent.
type testReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	method string
	header http.Header
	body   []byte
}

// hits counts the requests r got; a receiver that could not listen (nil)
// got none.
func (r *testReceiver) hits() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

func (r *testReceiver) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.requests)
	return r.requests[len(r.requests)-1]
}

// newReceiver serves answer on a loopback listener (network "tcp4" or
// "tcp6"), recording each request first. On a machine without an IPv6
// loopback, "tcp6" gives nil: the caller skips only its IPv6 cases.
func newReceiver(t *testing.T, network string, answer http.HandlerFunc) *testReceiver {
	t.Helper()
	rec := &testReceiver{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.requests = append(rec.requests, recorded{method: r.Method, header: r.Header.Clone(), body: body})
		rec.mu.Unlock()
		answer(w, r)
	}))
	if network == "tcp6" {
		l, err := net.Listen("tcp6", "[::1]:0")
		if err != nil {
			t.Logf("no IPv6 loopback: %v", err)
			return nil
		}
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	rec.Server = srv
	return rec
}

// skipWithoutReceiver skips a case whose receiver could not listen: the
// IPv6 loopback on a machine without one. The IPv4 cases still run.
func skipWithoutReceiver(t *testing.T, r *testReceiver) {
	t.Helper()
	if r == nil {
		t.Skip("no IPv6 loopback on this machine")
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// port returns the port of a test server's URL.
func port(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	return u.Port()
}

func signed(body []byte) http.Header {
	return delivery.Sign([]byte(testSecret), "msg_test", fixedNow, body)
}

// requireSafe checks that nothing secret reached the result's error.
func requireSafe(t *testing.T, res delivery.Result) {
	t.Helper()
	require.NotContains(t, res.Error, testSecret)
	require.NotContains(t, strings.ToLower(res.Error), "signature")
}

func TestClientRefusesLocalNetwork(t *testing.T) {
	t.Parallel()
	v4 := newReceiver(t, "tcp4", status(http.StatusOK))
	v6 := newReceiver(t, "tcp6", status(http.StatusOK))
	v4Port, v6Port := port(t, v4.URL), "1"
	if v6 != nil {
		v6Port = port(t, v6.URL)
	}

	// Each target reaches a real receiver when local addresses are allowed.
	reachable := map[string]struct {
		url  string
		recv *testReceiver
	}{
		"IPv4 loopback":              {"http://127.0.0.1:" + v4Port + "/hook", v4},
		"IPv6 loopback":              {"http://[::1]:" + v6Port + "/hook", v6},
		"IPv4-mapped loopback":       {"http://[::ffff:127.0.0.1]:" + v4Port + "/hook", v4},
		"name resolving to loopback": {"http://localhost:" + v4Port + "/hook", v4},
	}
	// These have no receiver; the guard must refuse them before any packet
	// leaves.
	unreachable := map[string]string{
		"link-local (cloud metadata)": "http://169.254.169.254/latest/meta-data/",
		"RFC 1918":                    "http://10.0.0.1:8080/hook",
		"IPv4-mapped RFC 1918":        "http://[::ffff:10.0.0.1]:8080/hook",
		"CGNAT":                       "http://100.64.0.1/hook",
		"ULA":                         "http://[fd12:3456::1]/hook",
		"unspecified":                 "http://0.0.0.0:" + v4Port + "/hook",
	}

	guarded := delivery.NewClient()
	t.Cleanup(guarded.CloseIdleConnections)
	body := []byte(`{}`)
	for name, target := range reachable {
		t.Run("refuses "+name, func(t *testing.T) {
			// The refusal needs no receiver; one that exists must stay
			// untouched.
			before := target.recv.hits()
			res := guarded.Attempt(t.Context(), target.url, signed(body), body)
			require.True(t, res.Blocked, res.Error)
			require.Equal(t, delivery.OutcomeTerminal, res.Outcome)
			require.Zero(t, res.StatusCode)
			require.Contains(t, res.Error, "loopback address")
			require.Contains(t, res.Error, "local network")
			requireSafe(t, res)
			require.Equal(t, before, target.recv.hits())
		})
	}
	for name, target := range unreachable {
		t.Run("refuses "+name, func(t *testing.T) {
			res := guarded.Attempt(t.Context(), target, signed(body), body)
			require.True(t, res.Blocked, res.Error)
			require.Equal(t, delivery.OutcomeTerminal, res.Outcome)
			require.Contains(t, res.Error, "local network")
			requireSafe(t, res)
		})
	}

	open := delivery.NewClient(delivery.WithAllowLocalNetwork(true))
	t.Cleanup(open.CloseIdleConnections)
	for name, target := range reachable {
		t.Run("allows "+name, func(t *testing.T) {
			skipWithoutReceiver(t, target.recv)
			res := open.Attempt(t.Context(), target.url, signed(body), body)
			require.Equal(t, delivery.OutcomeSuccess, res.Outcome, res.Error)
			require.False(t, res.Blocked)
			require.Equal(t, http.StatusOK, res.StatusCode)
		})
	}
	// Hits happen in subtests, which ran to completion above.
	require.GreaterOrEqual(t, v4.hits(), 3)
	require.GreaterOrEqual(t, v6.hits(), 1)
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	target := newReceiver(t, "tcp4", status(http.StatusOK))
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		redirector := newReceiver(t, "tcp4", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", code)
		})
		client := delivery.NewClient(delivery.WithAllowLocalNetwork(true))
		res := client.Attempt(t.Context(), redirector.URL, nil, []byte(`{}`))
		require.Equal(t, code, res.StatusCode)
		require.Equal(t, delivery.OutcomeTerminal, res.Outcome)
		require.Contains(t, res.Error, "redirects are not followed")
		require.Equal(t, 1, redirector.hits())
	}
	require.Zero(t, target.hits(), "a redirect must never be followed")
}

func TestClientTotalTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hung := newReceiver(t, "tcp4", func(w http.ResponseWriter, r *http.Request) {
		select { // answers only when the client has given up
		case <-r.Context().Done():
		case <-release:
		}
	})
	client := delivery.NewClient(
		delivery.WithAllowLocalNetwork(true),
		delivery.WithTotalTimeout(150*time.Millisecond),
	)
	res := client.Attempt(t.Context(), hung.URL, signed([]byte(`{}`)), []byte(`{}`))
	require.Equal(t, delivery.OutcomeRetryable, res.Outcome)
	require.Zero(t, res.StatusCode)
	require.Equal(t, "no complete answer within 150ms", res.Error)
	require.GreaterOrEqual(t, res.Duration, 150*time.Millisecond)
	require.Less(t, res.Duration, 5*time.Second)
	requireSafe(t, res)
}
