//go:build unix

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	sdkreceiver "github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// These tests break a real part under a running server binary (Redis, a
// receiver's port, a receiver's speed) and check what clients and receivers
// can observe. Two replicas and SIGKILL mid-train are in lifecycle_test.go
// and train_test.go.

// ready is the status of /-/readiness, 0 when the request failed.
func (c rootClient) ready() int {
	res, err := c.http.Get(c.base + "/-/readiness")
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// checkStatuses is a merge request's status per check id, or an error when
// the server did not answer 200.
func (c rootClient) checkStatuses(ctx context.Context, iid int) (map[int64]string, error) {
	status, body, err := c.do(ctx, "GET", fmt.Sprintf("/api/v4/projects/1/merge_requests/%d/status_checks", iid), nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("status_checks: %d %s", status, body)
	}
	var checks []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &checks); err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, c := range checks {
		out[c.ID] = c.Status
	}
	return out, nil
}

// faultDelivery is an entry of a check's delivery log, as the REST door
// shows it.
type faultDelivery struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	WebhookID string `json:"webhook_id"`
	Attempts  []struct {
		Attempt    int32     `json:"attempt"`
		Time       time.Time `json:"time"`
		HTTPStatus *int32    `json:"http_status"`
		Error      *string   `json:"error"`
	} `json:"attempts"`
}

func (c rootClient) deliveries(ctx context.Context, checkID int64) ([]faultDelivery, error) {
	status, body, err := c.do(ctx, "GET", fmt.Sprintf("/api/v4/projects/1/external_status_checks/%d/deliveries", checkID), nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("deliveries: %d %s", status, body)
	}
	var out []faultDelivery
	return out, json.Unmarshal(body, &out)
}

// mrSHA is a merge request's head sha.
func mrSHA(t *testing.T, base string, iid int) string {
	t.Helper()
	var mr struct {
		SHA string `json:"sha"`
	}
	require.NoError(t, json.Unmarshal(mustAPI(t, base, "GET", fmt.Sprintf("/api/v4/projects/1/merge_requests/%d", iid), nil), &mr))
	require.NotEmpty(t, mr.SHA)
	return mr.SHA
}

// createCheck creates a status check on project 1 and returns its id.
func createCheck(t *testing.T, base string, fields map[string]any) int64 {
	t.Helper()
	var check struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(mustAPI(t, base, "POST", "/api/v4/projects/1/external_status_checks", fields), &check))
	return check.ID
}

// responsePost is one status check response a client sent, and what the
// server said.
type responsePost struct {
	status string
	code   int // 0: no HTTP answer at all
	err    error
}

// responsePair is one (merge request, check) with its own single writer, so
// that the order of its posts is the order the server saw them.
type responsePair struct {
	iid   int
	check int64
	sha   string

	mu    sync.Mutex
	posts []responsePost
	acks  int
	fails int
}

// counts are the pair's acknowledged and refused posts so far.
func (p *responsePair) counts() (acks, fails int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acks, p.fails
}

// every reports whether ok holds for the counts of every pair.
func every(pairs []*responsePair, ok func(acks, fails int) bool) bool {
	for _, p := range pairs {
		if !ok(p.counts()) {
			return false
		}
	}
	return true
}

// post sends passed and failed in turn until ctx ends, recording each
// answer. A request in flight when ctx ends still completes, so its answer
// is known.
func (p *responsePair) post(ctx context.Context, client rootClient) {
	for n := 0; ctx.Err() == nil; n++ {
		status := []string{"passed", "failed"}[n%2]
		code, body, err := client.do(context.WithoutCancel(ctx), "POST",
			fmt.Sprintf("/api/v4/projects/1/merge_requests/%d/status_check_responses", p.iid),
			map[string]any{"external_status_check_id": p.check, "sha": p.sha, "status": status})
		// The outage is the store's, not the request's: 503, which clients
		// may retry, with GitLab's body.
		if err == nil && code/100 != 2 && (code != http.StatusServiceUnavailable || string(body) != `{"message":"503 Service Unavailable"}`) {
			err = fmt.Errorf("neither acknowledged nor unavailable: %d %s", code, body)
		}
		p.mu.Lock()
		p.posts = append(p.posts, responsePost{status: status, code: code, err: err})
		ok := code/100 == 2
		if ok {
			p.acks++
		} else {
			p.fails++
		}
		p.mu.Unlock()
		if !ok {
			time.Sleep(20 * time.Millisecond) // clients of a server in trouble back off a little
		}
	}
}

// requireStored checks what the server shows for the pair against its
// history: the last acknowledged answer, or one sent after it whose request
// failed after the answer was written.
func (p *responsePair) requireStored(t *testing.T, client rootClient) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	last := -1
	for i, post := range p.posts {
		require.NoError(t, post.err, "merge request %d check %d, post %d: every request gets an answer, acknowledged or 503", p.iid, p.check, i+1)
		if post.code/100 == 2 {
			last = i
		}
	}
	require.GreaterOrEqual(t, last, 0, "merge request %d check %d: nothing was acknowledged", p.iid, p.check)
	allowed := map[string]bool{}
	for _, post := range p.posts[last:] {
		allowed[post.status] = true
	}
	statuses, err := client.checkStatuses(t.Context(), p.iid)
	require.NoError(t, err)
	require.True(t, allowed[statuses[p.check]], "merge request %d check %d: stored %q, last acknowledged %q (post %d of %d)",
		p.iid, p.check, statuses[p.check], p.posts[last].status, last+1, len(p.posts))
}

// TestFaultRedisRestartDuringLoad kills a durable Redis while clients post
// status check responses, and starts it again. Every response the server
// acknowledged before the outage is still there after it; the outage is
// answered with a clean 503 (never a hang, never a 500) and shown by
// /-/readiness; and the same server process serves again once Redis is
// back, to clients that kept posting throughout.
func TestFaultRedisRestartDuringLoad(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t, redistest.Durable())
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json")
	client := newRootClient(srv.URL)
	recv := newCountingReceiver(t)

	const mrs, checks = 4, 2
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	checkIDs := make([]int64, checks)
	for i := range checkIDs {
		checkIDs[i] = createCheck(t, srv.URL, map[string]any{"name": fmt.Sprintf("c%d", i), "external_url": fmt.Sprintf("%s/c%d", recv.URL, i)})
	}
	branches := make([]string, mrs)
	for i := range branches {
		branches[i] = fmt.Sprintf("f%d", i)
	}
	pushBranches(t, srv.URL, branches...)
	// The first half of the merge requests is written until the outage and
	// read back after it, which is what shows acknowledged answers
	// survived; the second half is written throughout, which shows the
	// server serves again by itself.
	var frozen, steady []*responsePair
	for i, b := range branches {
		mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": b, "target_branch": "main", "title": b})
		sha := mrSHA(t, srv.URL, i+1)
		for _, check := range checkIDs {
			p := &responsePair{iid: i + 1, check: check, sha: sha}
			if i < mrs/2 {
				frozen = append(frozen, p)
			} else {
				steady = append(steady, p)
			}
		}
	}

	all := append(append([]*responsePair(nil), frozen...), steady...)
	freeze, stopFrozen := context.WithCancel(t.Context())
	load, stopSteady := context.WithCancel(t.Context())
	var frozenClients, steadyClients sync.WaitGroup
	for _, p := range frozen {
		frozenClients.Go(func() { p.post(freeze, client) })
	}
	for _, p := range steady {
		steadyClients.Go(func() { p.post(load, client) })
	}
	t.Cleanup(func() {
		stopFrozen()
		stopSteady()
		frozenClients.Wait()
		steadyClients.Wait()
	})

	require.Eventually(t, func() bool { return every(all, func(acks, _ int) bool { return acks >= 3 }) }, 20*time.Second, 10*time.Millisecond,
		"load before the outage")
	redis.Stop(t)
	require.Eventually(t, func() bool { return client.ready() == http.StatusServiceUnavailable }, 10*time.Second, 20*time.Millisecond,
		"readiness reports the store is gone")
	require.Eventually(t, func() bool { return every(all, func(_, fails int) bool { return fails >= 2 }) }, 10*time.Second, 10*time.Millisecond,
		"every client gets answers while Redis is down")
	stopFrozen()
	frozenClients.Wait()

	redis.Start(t)
	require.Eventually(t, func() bool { return client.ready() == http.StatusOK }, 20*time.Second, 20*time.Millisecond,
		"readiness recovers without a server restart")
	for _, p := range frozen {
		p.requireStored(t, client)
	}
	restarted := map[*responsePair]int{}
	for _, p := range steady {
		restarted[p], _ = p.counts()
	}
	require.Eventually(t, func() bool {
		for _, p := range steady {
			if acks, _ := p.counts(); acks < restarted[p]+3 {
				return false
			}
		}
		return true
	}, 20*time.Second, 10*time.Millisecond, "responses are acknowledged again without a server restart")
	stopSteady()
	steadyClients.Wait()
	for _, p := range steady {
		p.requireStored(t, client)
	}
}

// TestFaultReceiverDownThenUp: a check's receiver refuses connections
// (nothing listens on its port), then starts listening on that port. The delivery is
// retried with backoff until it succeeds, and its log shows every refused
// attempt with its error, then the success.
func TestFaultReceiverDownThenUp(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json")
	client := newRootClient(srv.URL)

	port := reservePort(t)
	addr := port.addr
	const secret = "down-then-up-secret"
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	check := createCheck(t, srv.URL, map[string]any{"name": "flaky", "external_url": "http://" + addr + "/hook", "shared_secret": secret})
	pushBranches(t, srv.URL, "feature")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add"})
	sha := mrSHA(t, srv.URL, 1)

	// Two refused attempts show that the delivery is retried, not dropped.
	var (
		log []faultDelivery
		err error
	)
	require.Eventually(t, func() bool {
		log, err = client.deliveries(t.Context(), check)
		return err == nil && len(log) == 1 && len(log[0].Attempts) >= 2
	}, 20*time.Second, 20*time.Millisecond, "two refused attempts")
	require.Equal(t, "pending", log[0].State)

	// The receiver comes up on the same port and verifies what it gets.
	verifier := sdkreceiver.NewVerifier([]byte(secret), sdkreceiver.WithRequireTimestamp(true))
	got := make(chan *sdkreceiver.Event, 10)
	up := &httptest.Server{Listener: port.listen(t), Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := verifier.Verify(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, err := sdkreceiver.Decode(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ev.ID = r.Header.Get(sdkreceiver.HeaderWebhookID)
		got <- ev
	})}}
	up.Start()
	t.Cleanup(up.Close)

	var ev *sdkreceiver.Event
	select {
	case ev = <-got:
	case <-time.After(60 * time.Second):
		t.Fatal("the delivery never reached the receiver once it was up")
	}
	require.Equal(t, int64(1), ev.MergeRequestIID)
	require.Equal(t, sha, ev.SHA)
	require.Equal(t, check, ev.Check.ID)

	require.Eventually(t, func() bool {
		log, err = client.deliveries(t.Context(), check)
		return err == nil && len(log) == 1 && log[0].State == "succeeded"
	}, 10*time.Second, 20*time.Millisecond, "the success is recorded")
	d := log[0]
	require.Equal(t, ev.ID, d.WebhookID, "every attempt carries the same webhook id")
	require.GreaterOrEqual(t, len(d.Attempts), 3)
	for i, a := range d.Attempts {
		require.Equal(t, int32(i+1), a.Attempt)
		if i > 0 {
			require.True(t, a.Time.After(d.Attempts[i-1].Time), "attempt %d is later than attempt %d", i+1, i)
		}
		if i == len(d.Attempts)-1 {
			require.NotNil(t, a.HTTPStatus, "the last attempt has the receiver's answer")
			require.Equal(t, int32(http.StatusOK), *a.HTTPStatus)
			require.Nil(t, a.Error)
			continue
		}
		require.Nil(t, a.HTTPStatus, "attempt %d got no answer", i+1)
		require.NotNil(t, a.Error, "attempt %d has its error", i+1)
		require.Contains(t, *a.Error, "refused", "attempt %d", i+1)
	}
	select {
	case again := <-got:
		t.Fatalf("a delivered event came again: %+v", again)
	default:
	}
}

// TestFaultSlowReceiverDoesNotHoldUpAnother: one check's receiver takes 10 s
// to answer; the other check on the same merge request gets its delivery,
// and the server records it, while the slow one is still blocked.
func TestFaultSlowReceiverDoesNotHoldUpAnother(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json")
	client := newRootClient(srv.URL)

	var slowReturned atomic.Bool
	slowStarted := make(chan struct{})
	var startOnce sync.Once
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		startOnce.Do(func() { close(slowStarted) })
		// Ten seconds, or until the test has seen what it needs; the order
		// proven below does not depend on how long the wait is.
		select {
		case <-time.After(10 * time.Second):
		case <-release:
		}
		slowReturned.Store(true)
	}))
	t.Cleanup(slow.Close)
	var releaseOnce sync.Once
	releaseSlow := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseSlow) // before slow.Close, which waits for handlers

	// The fast receiver waits until the slow one has its request: a worker
	// that sent one delivery at a time would then never let the slow one
	// start (fast first) or would only come here once it had returned (slow
	// first). Either way the fast one would see it not in flight.
	type sighting struct{ started, returned bool }
	seen := make(chan sighting, 10)
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sighting{started: true}
		select {
		case <-slowStarted:
		case <-time.After(10 * time.Second):
			s.started = false
		}
		s.returned = slowReturned.Load()
		seen <- s
	}))
	t.Cleanup(fast.Close)

	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	slowCheck := createCheck(t, srv.URL, map[string]any{"name": "slow", "external_url": slow.URL + "/hook"})
	fastCheck := createCheck(t, srv.URL, map[string]any{"name": "fast", "external_url": fast.URL + "/hook"})
	pushBranches(t, srv.URL, "feature")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add"})

	var s sighting
	select {
	case s = <-seen:
	case <-time.After(30 * time.Second):
		t.Fatal("the fast receiver never got its delivery")
	}
	require.True(t, s.started, "the slow receiver had its request when the fast one got its own")
	require.False(t, s.returned, "the fast delivery arrived before the slow receiver answered")

	// The server has recorded the fast delivery while the slow one is still
	// in flight.
	require.Eventually(t, func() bool {
		log, err := client.deliveries(t.Context(), fastCheck)
		return err == nil && len(log) == 1 && log[0].State == "succeeded"
	}, 10*time.Second, 20*time.Millisecond)
	log, err := client.deliveries(t.Context(), slowCheck)
	require.NoError(t, err)
	require.False(t, slowReturned.Load(), "the log was read while the slow receiver still held its request")
	require.Len(t, log, 1)
	require.Equal(t, "pending", log[0].State, "the slow delivery is still in flight")
	require.Empty(t, log[0].Attempts)

	// Once the slow receiver answers, its delivery succeeds too.
	releaseSlow()
	require.Eventually(t, func() bool {
		log, err := client.deliveries(t.Context(), slowCheck)
		return err == nil && len(log) == 1 && log[0].State == "succeeded"
	}, 15*time.Second, 20*time.Millisecond)
}

// reservedPort is a loopback TCP port bound to a socket that does not
// listen yet: connecting is refused, and no other process can take the
// port before the test listens on it (closing a listener and opening
// another on its port would leave that gap).
type reservedPort struct {
	addr string
	fd   int
}

func reservePort(t *testing.T) *reservedPort {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	syscall.CloseOnExec(fd)
	p := &reservedPort{fd: fd}
	t.Cleanup(func() {
		if p.fd >= 0 {
			syscall.Close(p.fd)
		}
	})
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	p.addr = fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	return p
}

// listen starts listening on the port.
func (p *reservedPort) listen(t *testing.T) net.Listener {
	t.Helper()
	require.NoError(t, syscall.Listen(p.fd, syscall.SOMAXCONN))
	f := os.NewFile(uintptr(p.fd), "receiver")
	p.fd = -1 // f owns it now
	defer f.Close()
	ln, err := net.FileListener(f) // a duplicate of the socket
	require.NoError(t, err)
	return ln
}
