package delivery_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/servertest"
)

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	path   string
}

// checkReceiver is a real HTTP server standing in for an external check. answer
// decides each response from the request's number (1, 2, ...).
type checkReceiver struct {
	*httptest.Server
	got chan received
}

func newCheckReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *checkReceiver {
	t.Helper()
	r := &checkReceiver{got: make(chan received, 100)}
	var mu sync.Mutex
	n := 0
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		r.got <- received{header: req.Header.Clone(), body: body, path: req.URL.RequestURI()}
		if answer == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		answer(i, w)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *checkReceiver) next(t *testing.T) received {
	t.Helper()
	select {
	case got := <-r.got:
		return got
	case <-time.After(15 * time.Second):
		t.Fatal("the receiver got nothing")
		return received{}
	}
}

func localServer(t *testing.T) *servertest.Server {
	return servertest.New(t, servertest.RealClock(), servertest.WithConfig(func(c *config.Config) { c.AllowLocalNetwork = true }))
}

// project makes a project with main and feature pushed, and returns the
// work tree and the feature head.
func project(t *testing.T, srv *servertest.Server) (*servertest.Worktree, string) {
	t.Helper()
	srv.Root(t, "POST", "/api/v4/projects", map[string]any{"name": "demo"}, nil)
	w := srv.Clone(t, "root/demo")
	w.Push("main", "", map[string]string{"README": "hello\n"})
	return w, w.Push("feature", "main", map[string]string{"app": "v1\n"})
}

func addCheck(t *testing.T, srv *servertest.Server, name, url, secret string) {
	t.Helper()
	srv.Root(t, "POST", "/api/v4/projects/1/external_status_checks",
		map[string]any{"name": name, "external_url": url, "shared_secret": secret}, nil)
}

func openMR(t *testing.T, srv *servertest.Server) {
	t.Helper()
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add app"}, nil)
}

func hmacHex(secret string, msg []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(msg)
	return hex.EncodeToString(m.Sum(nil))
}

func TestDeliveriesAreSignedAndParseAsGitLabEvents(t *testing.T) {
	t.Parallel()
	srv := localServer(t)
	signed := newCheckReceiver(t, nil)
	plain := newCheckReceiver(t, nil)
	w, head := project(t, srv)
	addCheck(t, srv, "compliance", signed.URL+"/hook?token=abc", "s3cret")
	addCheck(t, srv, "plain", plain.URL+"/hook", "")
	openMR(t, srv)

	got := signed.next(t)
	require.Equal(t, "/hook?token=abc", got.path, "the check's full URL, query included")
	require.Equal(t, "application/json", got.header.Get("Content-Type"))
	// Both signatures, checked here with crypto/hmac, not with the server's code.
	require.Equal(t, hmacHex("s3cret", got.body), got.header.Get("X-Gitlab-Signature"))
	id, ts := got.header.Get("Webhook-Id"), got.header.Get("Webhook-Timestamp")
	require.NotEmpty(t, id)
	std := hmac.New(sha256.New, []byte("s3cret"))
	std.Write([]byte(id + "." + ts + "." + string(got.body)))
	require.Equal(t, "v1,"+base64.StdEncoding.EncodeToString(std.Sum(nil)), got.header.Get("Webhook-Signature"))
	require.NotContains(t, string(got.body), "s3cret")

	ev, err := gitlab.ParseWebhook(gitlab.EventTypeMergeRequest, got.body)
	require.NoError(t, err)
	mr := ev.(*gitlab.MergeEvent)
	require.Equal(t, "open", mr.ObjectAttributes.Action)
	require.Equal(t, head, mr.ObjectAttributes.LastCommit.ID)
	require.EqualValues(t, 1, mr.ObjectAttributes.IID)
	require.Equal(t, "root/demo", mr.Project.PathWithNamespace)
	var raw struct {
		Rule struct {
			ID          int64  `json:"id"`
			Name        string `json:"name"`
			ExternalURL string `json:"external_url"`
		} `json:"external_approval_rule"`
	}
	require.NoError(t, json.Unmarshal(got.body, &raw))
	require.Equal(t, "compliance", raw.Rule.Name)
	require.Equal(t, signed.URL+"/hook?token=abc", raw.Rule.ExternalURL)

	unsigned := plain.next(t)
	require.Empty(t, unsigned.header.Get("X-Gitlab-Signature"), "no secret, no signature")
	require.Empty(t, unsigned.header.Get("Webhook-Signature"))

	// A push to the source branch is an "update" with the old head.
	head2 := w.Push("feature", "", map[string]string{"app": "v2\n"})
	pushed := signed.next(t)
	ev, err = gitlab.ParseWebhook(gitlab.EventTypeMergeRequest, pushed.body)
	require.NoError(t, err)
	mr = ev.(*gitlab.MergeEvent)
	require.Equal(t, "update", mr.ObjectAttributes.Action)
	require.Equal(t, head2, mr.ObjectAttributes.LastCommit.ID)
	require.Equal(t, head, mr.ObjectAttributes.OldRev)
	require.NotEqual(t, id, pushed.header.Get("Webhook-Id"), "each event has its own id")
}

// deliveries reads the check's delivery log.
type loggedDelivery struct {
	Event     string `json:"event"`
	State     string `json:"state"`
	WebhookID string `json:"webhook_id"`
	Attempts  []struct {
		Attempt    int     `json:"attempt"`
		HTTPStatus *int    `json:"http_status"`
		Error      *string `json:"error"`
	} `json:"attempts"`
}

func deliveryLog(t *testing.T, srv *servertest.Server, check int) []loggedDelivery {
	t.Helper()
	var out []loggedDelivery
	srv.Root(t, "GET", fmt.Sprintf("/api/v4/projects/1/external_status_checks/%d/deliveries", check), nil, &out)
	return out
}

func TestFailedAttemptsAreRetriedWithTheSameWebhookID(t *testing.T) {
	t.Parallel()
	srv := localServer(t)
	flaky := newCheckReceiver(t, func(n int, w http.ResponseWriter) {
		switch n {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	project(t, srv)
	addCheck(t, srv, "flaky", flaky.URL, "s")
	openMR(t, srv)

	ids := map[string]bool{}
	for range 3 {
		ids[flaky.next(t).header.Get("Webhook-Id")] = true
	}
	require.Len(t, ids, 1, "every attempt of one event carries the same webhook-id")
	require.Eventually(t, func() bool {
		log := deliveryLog(t, srv, 1)
		return len(log) == 1 && log[0].State == "succeeded"
	}, 15*time.Second, 50*time.Millisecond)
	log := deliveryLog(t, srv, 1)
	require.Len(t, log[0].Attempts, 3)
	var statuses []int
	for _, a := range log[0].Attempts {
		statuses = append(statuses, *a.HTTPStatus)
	}
	require.Equal(t, []int{500, 429, 204}, statuses)
}

func TestAReceiverThatIsDownThenUpGetsTheDelivery(t *testing.T) {
	t.Parallel()
	srv := localServer(t)
	// Reserve an address, then leave nothing listening on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	project(t, srv)
	addCheck(t, srv, "down", "http://"+addr+"/hook", "")
	openMR(t, srv)

	require.Eventually(t, func() bool {
		log := deliveryLog(t, srv, 1)
		return len(log) == 1 && len(log[0].Attempts) >= 1
	}, 15*time.Second, 50*time.Millisecond, "the first attempt fails and is logged")
	first := deliveryLog(t, srv, 1)[0].Attempts[0]
	require.Nil(t, first.HTTPStatus)
	require.NotNil(t, first.Error)

	// The receiver comes back on the same address.
	up := make(chan struct{}, 1)
	back, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		select {
		case up <- struct{}{}:
		default:
		}
	})}
	go server.Serve(back)
	t.Cleanup(func() { server.Close() })
	select {
	case <-up:
	case <-time.After(20 * time.Second):
		t.Fatal("the delivery was not retried once the receiver was back")
	}
	require.Eventually(t, func() bool { return deliveryLog(t, srv, 1)[0].State == "succeeded" }, 10*time.Second, 50*time.Millisecond)
}

func TestASlowReceiverDoesNotHoldUpOthers(t *testing.T) {
	t.Parallel()
	srv := localServer(t)
	release := make(chan struct{})
	slow := newCheckReceiver(t, func(int, http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) })
	fast := newCheckReceiver(t, nil)
	project(t, srv)
	addCheck(t, srv, "slow", slow.URL, "")
	addCheck(t, srv, "fast", fast.URL, "")
	openMR(t, srv)
	slow.next(t) // the slow receiver holds its request open
	fast.next(t) // and yet the fast one is served
}

func TestUnsafeTargetsAreRefusedAndRedirectsNotFollowed(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t, servertest.RealClock()) // local network not allowed
	local := newCheckReceiver(t, nil)
	project(t, srv)
	addCheck(t, srv, "local", local.URL, "")
	openMR(t, srv)
	require.Eventually(t, func() bool {
		log := deliveryLog(t, srv, 1)
		return len(log) == 1 && log[0].State == "failed"
	}, 10*time.Second, 50*time.Millisecond)
	log := deliveryLog(t, srv, 1)
	require.Len(t, log[0].Attempts, 1, "a refused address is not retried")
	require.Contains(t, *log[0].Attempts[0].Error, "local network are not allowed")
	select {
	case <-local.got:
		t.Fatal("a loopback receiver was reached without --allow-local-network")
	default:
	}

	srv2 := localServer(t)
	hit := newCheckReceiver(t, nil)
	redirect := newCheckReceiver(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Location", hit.URL)
		w.WriteHeader(http.StatusFound)
	})
	project(t, srv2)
	addCheck(t, srv2, "redirect", redirect.URL, "")
	openMR(t, srv2)
	redirect.next(t)
	require.Eventually(t, func() bool {
		log := deliveryLog(t, srv2, 1)
		return len(log) == 1 && log[0].State == "failed"
	}, 10*time.Second, 50*time.Millisecond)
	select {
	case <-hit.got:
		t.Fatal("the redirect was followed")
	default:
	}
}

func TestRetryAndRedeliverSendAgain(t *testing.T) {
	t.Parallel()
	srv := localServer(t)
	r := newCheckReceiver(t, nil)
	_, head := project(t, srv)
	addCheck(t, srv, "c", r.URL, "")
	openMR(t, srv)
	first := r.next(t)

	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"external_status_check_id": 1, "sha": head, "status": "failed"}, nil)
	status, body := srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/merge_requests/1/status_checks/1/retry", nil)
	require.Equal(t, http.StatusAccepted, status, string(body))
	retried := r.next(t)
	var payload struct {
		Attributes map[string]any `json:"object_attributes"`
	}
	require.NoError(t, json.Unmarshal(retried.body, &payload))
	_, hasAction := payload.Attributes["action"]
	require.False(t, hasAction, "GitLab's retry payload has no action")

	require.Eventually(t, func() bool { return len(deliveryLog(t, srv, 1)) == 2 }, 10*time.Second, 20*time.Millisecond)
	status, body = srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/external_status_checks/1/deliveries/1/redeliver", nil)
	require.Equal(t, http.StatusCreated, status, string(body))
	again := r.next(t)
	require.Equal(t, first.body, again.body, "a redelivery sends the same bytes")
	require.Equal(t, first.header.Get("Webhook-Id"), again.header.Get("Webhook-Id"))
}
