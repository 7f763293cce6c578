package receiver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/sdk/go/receiver"
)

// syncBuffer is a log sink safe for the server's goroutines.
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

type handlerFixture struct {
	url    string
	logs   *syncBuffer
	mu     sync.Mutex
	events []*receiver.Event
	fail   error
}

func (f *handlerFixture) seen() []*receiver.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*receiver.Event(nil), f.events...)
}

func newHandlerFixture(t *testing.T, fail error, opts ...receiver.Option) *handlerFixture {
	t.Helper()
	f := &handlerFixture{logs: &syncBuffer{}, fail: fail}
	v := receiver.NewVerifier([]byte(secret), append([]receiver.Option{receiver.WithClock(clock)}, opts...)...)
	h := receiver.NewHandler(v, func(_ context.Context, ev *receiver.Event) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.events = append(f.events, ev)
		return f.fail
	}, slog.New(slog.NewTextHandler(f.logs, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/hook"
	return f
}

func send(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	r.RequestURI = ""
	res, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

func TestHandlerAcceptsAndCalls(t *testing.T) {
	t.Parallel()
	f := newHandlerFixture(t, nil)
	body := payload(t)
	code, _ := send(t, signedRequest(t, f.url, body, now))
	require.Equal(t, http.StatusAccepted, code)

	events := f.seen()
	require.Len(t, events, 1)
	ev := events[0]
	require.Equal(t, "msg_1", ev.ID)
	require.Equal(t, int64(6), ev.ProjectID)
	require.Equal(t, int64(4), ev.MergeRequestIID)
	require.Equal(t, "141be9714669a4c1ccaa013c6a7f3e462ff2a40f", ev.SHA)
	require.Equal(t, int64(1), ev.Check.ID)
	require.JSONEq(t, string(body), string(ev.Raw))
}

func TestHandlerRejects(t *testing.T) {
	t.Parallel()
	f := newHandlerFixture(t, nil, receiver.WithMaxBodyBytes(64<<10))
	body := payload(t)

	bad := signedRequest(t, f.url, body, now)
	bad.Header.Set("X-Gitlab-Signature", gitlabSignature("wrong", body))
	code, _ := send(t, bad)
	require.Equal(t, http.StatusUnauthorized, code)

	unsigned := signedRequest(t, f.url, body, now)
	unsigned.Header.Del("X-Gitlab-Signature")
	unsigned.Header.Del("webhook-signature")
	code, _ = send(t, unsigned)
	require.Equal(t, http.StatusUnauthorized, code)

	replayed := signedRequest(t, f.url, body, now.Add(-time.Hour))
	code, _ = send(t, replayed)
	require.Equal(t, http.StatusUnauthorized, code)

	notPayload := []byte(`{"object_kind":"push"}`)
	code, _ = send(t, signedRequest(t, f.url, notPayload, now))
	require.Equal(t, http.StatusBadRequest, code)

	huge := bytes.Repeat([]byte(" "), 64<<10+1)
	code, _ = send(t, signedRequest(t, f.url, huge, now))
	require.Equal(t, http.StatusRequestEntityTooLarge, code)

	get, err := http.NewRequest(http.MethodGet, f.url, nil)
	require.NoError(t, err)
	code, _ = send(t, get)
	require.Equal(t, http.StatusMethodNotAllowed, code)

	require.Empty(t, f.seen(), "nothing unverified reaches the check")
	logs := f.logs.String()
	require.Contains(t, logs, "signature does not match")
	require.NotContains(t, logs, secret)
	require.NotContains(t, logs, bad.Header.Get("X-Gitlab-Signature"))
	require.Equal(t, 5, strings.Count(logs, "rejected"), logs)
}

func TestHandlerFailureAsksForARetry(t *testing.T) {
	t.Parallel()
	f := newHandlerFixture(t, errors.New("queue is full"))
	code, _ := send(t, signedRequest(t, f.url, payload(t), now))
	require.Equal(t, http.StatusInternalServerError, code)
	require.Len(t, f.seen(), 1)
	require.Contains(t, f.logs.String(), "queue is full")
	require.Contains(t, f.logs.String(), "check_id=1")
	require.Contains(t, f.logs.String(), "mr_iid=4")
	require.Contains(t, f.logs.String(), "delivery_id=msg_1")
}
