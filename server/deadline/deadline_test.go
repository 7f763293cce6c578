package deadline_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/deadline"
)

// result is what a handler saw of its request body.
type result struct {
	n   int
	err error
}

// serve starts a server over HTTP/1.1 or h2c whose handler reads the whole
// body and reports what it got; a request to /stream then streams for
// streamFor before it answers.
func serve(t *testing.T, h2c bool, c deadline.Config, streamFor time.Duration) (*httptest.Server, *http.Client, chan result) {
	t.Helper()
	results := make(chan result, 8)
	h := deadline.Bodies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		results <- result{len(b), err}
		if err != nil {
			http.Error(w, "cut", http.StatusRequestTimeout)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/stream") {
			rc := http.NewResponseController(w)
			for end := time.Now().Add(streamFor); time.Now().Before(end); {
				_, _ = w.Write([]byte("tick\n"))
				_ = rc.Flush()
				time.Sleep(20 * time.Millisecond)
			}
		}
		_, _ = w.Write([]byte("done"))
	}), c)
	srv := httptest.NewUnstartedServer(h)
	protocols := new(http.Protocols)
	if h2c {
		protocols.SetUnencryptedHTTP2(true)
	} else {
		protocols.SetHTTP1(true)
	}
	srv.Config.Protocols = protocols
	srv.Start()
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{Protocols: protocols}, Timeout: 30 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	return srv, client, results
}

// trickle sends n bytes, one every gap, through a pipe.
func trickle(n int, gap time.Duration) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		for range n {
			if _, err := pw.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(gap)
		}
		pw.Close()
	}()
	return pr
}

func post(t *testing.T, client *http.Client, url string, body io.Reader) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	require.NoError(t, err)
	resp, err := client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func protocols(t *testing.T, f func(t *testing.T, h2c bool)) {
	for _, h2c := range []bool{false, true} {
		name := "HTTP/1.1"
		if h2c {
			name = "h2c"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, h2c)
		})
	}
}

func TestStalledBodyIsCut(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, h2c bool) {
		srv, client, results := serve(t, h2c, deadline.Config{Idle: 200 * time.Millisecond}, 0)
		pr, pw := io.Pipe() // sends one byte, then nothing
		t.Cleanup(func() { pw.Close() })
		go func() { _, _ = pw.Write([]byte("x")) }()
		go post(t, client, srv.URL+"/", pr)
		got := <-results
		require.ErrorIs(t, got.err, os.ErrDeadlineExceeded)
	})
}

func TestTrickledBodyIsCutAtWhole(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, h2c bool) {
		srv, client, results := serve(t, h2c, deadline.Config{Idle: 5 * time.Second, Whole: 300 * time.Millisecond}, 0)
		go post(t, client, srv.URL+"/", trickle(1000, 20*time.Millisecond))
		got := <-results
		require.ErrorIs(t, got.err, os.ErrDeadlineExceeded)
		require.Less(t, got.n, 1000)
	})
}

// A body that keeps sending is not cut when exempt (a git push), however
// long it takes; and a stream that has read its request is not cut while it
// answers, however long that takes.
func TestSteadyExemptBodyAndLongStreamsAreNotCut(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, h2c bool) {
		c := deadline.Config{Idle: 2 * time.Second, Whole: 100 * time.Millisecond, Exempt: func(r *http.Request) bool {
			return strings.HasPrefix(r.URL.Path, "/push")
		}}
		srv, client, results := serve(t, h2c, c, 500*time.Millisecond)
		go post(t, client, srv.URL+"/push", trickle(30, 20*time.Millisecond))
		got := <-results
		require.NoError(t, got.err)
		require.Equal(t, 30, got.n)

		req, err := http.NewRequest(http.MethodPost, srv.URL+"/stream", strings.NewReader("request"))
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.True(t, strings.HasSuffix(string(b), "tick\ndone"), "%q", b)
		got = <-results
		require.NoError(t, got.err)
	})
}

// Over HTTP/1.1, a connection whose body stalled is closed, not kept
// waiting for the rest of a body net/http would otherwise read to reuse it.
func TestStalledConnectionIsClosed(t *testing.T) {
	t.Parallel()
	srv, _, results := serve(t, false, deadline.Config{Idle: 200 * time.Millisecond}, 0)
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsome"))
	require.NoError(t, err)
	got := <-results
	require.ErrorIs(t, got.err, os.ErrDeadlineExceeded)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Second)))
	_, err = io.Copy(io.Discard, c)
	require.NoError(t, err, "the server closes the connection (EOF), the client need not time out")
}

type plain struct{ http.Handler }

func TestNoLimitsIsTheHandlerItself(t *testing.T) {
	t.Parallel()
	h := &plain{http.NotFoundHandler()}
	require.Same(t, h, deadline.Bodies(h, deadline.Config{}))
}
