package e2e_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/delivery"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// hangingReceiver never answers: every request waits until the test ends,
// as a receiver that accepts connections and then stalls does. It counts
// the requests it holds.
type hangingReceiver struct {
	*httptest.Server
	held, mostHeld atomic.Int64
}

func newHangingReceiver(t *testing.T) *hangingReceiver {
	t.Helper()
	release := make(chan struct{})
	r := &hangingReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := r.held.Add(1)
		for {
			most := r.mostHeld.Load()
			if n <= most || r.mostHeld.CompareAndSwap(most, n) {
				break
			}
		}
		defer r.held.Add(-1)
		// Read the body first: only then does the server notice that the
		// client gave up, and end the request.
		_, _ = io.Copy(io.Discard, req.Body)
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	t.Cleanup(r.Close)
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // runs before Close, which waits for handlers
	return r
}

// pushProject pushes main and a feature branch to a project of root's.
func pushProject(t *testing.T, base, path, feature string) {
	t.Helper()
	w := gitrepotest.NewWorktree(t)
	w.Git("remote", "add", "origin", strings.Replace(base, "http://", "http://root:"+rootToken+"@", 1)+"/"+path+".git")
	w.Checkout("main")
	w.Commit("init", map[string]string{"README": "hello\n"})
	w.Branch(feature, "main")
	w.Commit("work on "+feature, map[string]string{feature: "v1\n"})
	w.Git("push", "--quiet", "origin", "main", feature)
}

// TestDeliveryFairnessHangingReceiversDoNotHoldUpAnotherProject: a project
// has more checks whose receivers never answer than the worker has slots
// in all, and its merge request asks them all. Another project's check must
// still get its delivery at once. The worker used to take due deliveries
// oldest first into 64 slots, each held for the 15 s attempt timeout, so
// the other project waited for whole rounds of timeouts (87 s with 400
// hanging checks). No bound is timed tightly here: the other delivery only
// has to arrive within a few seconds, far less than one attempt timeout.
func TestDeliveryFairnessHangingReceiversDoNotHoldUpAnotherProject(t *testing.T) {
	t.Parallel()
	const (
		hangingChecks = 300 // more than the worker's slots, old (64) and new
		victimBound   = 5 * time.Second
	)
	require.Less(t, victimBound, delivery.DefaultTotalTimeout/2, "the bound must be far below one attempt timeout")
	require.Greater(t, hangingChecks, delivery.DefaultConcurrency)

	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json", "--log-level", "warn")
	gl := gitlabClient(t, srv.URL)
	hang := newHangingReceiver(t)
	arrived := make(chan time.Time, 10)
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- time.Now()
	}))
	t.Cleanup(victim.Close)

	attacker, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("attacker")})
	require.NoError(t, err)
	for i := range hangingChecks {
		_, _, err := gl.ExternalStatusChecks.CreateProjectExternalStatusCheck(attacker.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
			Name: gitlab.Ptr("hang-" + strconv.Itoa(i)), ExternalURL: gitlab.Ptr(hang.URL + "/" + strconv.Itoa(i))})
		require.NoError(t, err)
	}
	pushProject(t, srv.URL, attacker.PathWithNamespace, "feature")
	other, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("other")})
	require.NoError(t, err)
	_, _, err = gl.ExternalStatusChecks.CreateProjectExternalStatusCheck(other.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("quick"), ExternalURL: gitlab.Ptr(victim.URL + "/hook")})
	require.NoError(t, err)
	pushProject(t, srv.URL, other.PathWithNamespace, "feature")

	_, _, err = gl.MergeRequests.CreateMergeRequest(attacker.ID, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Ask every hanging check")})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return hang.held.Load() >= delivery.DefaultPerProject }, 30*time.Second, 10*time.Millisecond,
		"the hanging receivers hold the attacker's share of the slots")

	start := time.Now()
	_, _, err = gl.MergeRequests.CreateMergeRequest(other.ID, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Ask the quick check")})
	require.NoError(t, err)
	select {
	case at := <-arrived:
		t.Logf("the other project's delivery arrived %s after its merge request was opened, with %d attempts hanging",
			at.Sub(start).Round(time.Millisecond), hang.held.Load())
	case <-time.After(victimBound):
		t.Fatalf("the other project's delivery did not arrive within %s while %d attempts to hanging receivers were in flight",
			victimBound, hang.held.Load())
	}
	require.LessOrEqual(t, hang.mostHeld.Load(), int64(delivery.DefaultPerProject),
		"one project never holds more than its share of one replica's slots")
}
