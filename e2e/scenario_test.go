package e2e_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	check "github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// door is one way into the server. The scenario runs the same steps through
// each: gRPC through the Go SDK, REST through GitLab's Go client, through
// python-gitlab and through curl, and Connect-Web through the TypeScript SDK
// under Node. Projects are
// named by namespace/path; merge requests by iid.
type door interface {
	createProject(t *testing.T, name string) string
	updateProject(t *testing.T, project string, s settings)
	addCheck(t *testing.T, project, name, url, secret string) int64
	addHook(t *testing.T, project, url, token string)
	openMR(t *testing.T, project, source, target, title string) (iid int64, sha string)
	// checkStatuses maps each applicable check's id to pending, passed or
	// failed.
	checkStatuses(t *testing.T, project string, iid int64) map[int64]string
	respond(t *testing.T, project string, iid, check int64, sha, status string)
	retry(t *testing.T, project string, iid, check int64)
	// merge merges, or reports that the merge request may not merge yet.
	merge(t *testing.T, project string, iid int64) (blocked bool)
	// setCommitStatus reports a CI job named "test" as success or failed.
	setCommitStatus(t *testing.T, project, sha, state string)
	addToTrain(t *testing.T, project string, iid int64)
	// car is the merge request's car status (idle ... merged), or "" when it
	// has none.
	car(t *testing.T, project string, iid int64) string
	mrState(t *testing.T, project string, iid int64) string
}

type settings struct {
	checksMustPass, trainsEnabled *bool
}

func ptr[T any](v T) *T { return &v }

// TestScenarioThroughEveryDoor runs one full scenario through each door on
// one server and one real Redis: a project pushed to with git, a merge
// request, two signed status checks (one answered, one left to expire and
// then retried), a merge refused and then done, and a train of three merge
// requests of which the middle one fails CI.
func TestScenarioThroughEveryDoor(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--status-check-timeout", "3s", "--allow-local-network", "--log-format", "json")
	doors := map[string]func(*testing.T) door{
		"grpc-go-sdk":        func(t *testing.T) door { return newGRPCDoor(t, srv.URL) },
		"rest-gitlab-go":     func(t *testing.T) door { return newGitLabDoor(t, srv.URL) },
		"rest-curl":          func(t *testing.T) door { return newCurlDoor(t, srv.URL) },
		"connect-web-node":   func(t *testing.T) door { return newNodeDoor(t, srv.URL) },
		"rest-python-gitlab": func(t *testing.T) door { return newPythonDoor(t, srv.URL) },
	}
	for name, open := range doors {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runScenario(t, srv.URL, open(t), "scn-"+name)
		})
	}
}

func runScenario(t *testing.T, base string, d door, name string) {
	// A project, pushed to with real git.
	project := d.createProject(t, name)
	w := gitrepotest.NewWorktree(t)
	w.Git("remote", "add", "origin", strings.Replace(base, "http://", "http://root:"+rootToken+"@", 1)+"/"+project+".git")
	w.Checkout("main")
	w.Commit("init", map[string]string{"README": "hello\n"})
	w.Git("push", "--quiet", "origin", "main")
	w.Branch("feature", "main")
	w.Commit("feature", map[string]string{"feature.txt": "v1\n"})
	w.Git("push", "--quiet", "origin", "feature")

	// Two checks with secrets; their receivers verify every signature.
	security, compliance := newSignedReceiver(t, "security-secret"), newSignedReceiver(t, "compliance-secret")
	d.updateProject(t, project, settings{checksMustPass: ptr(true)})
	sec := d.addCheck(t, project, "security", security.URL, "security-secret")
	comp := d.addCheck(t, project, "compliance", compliance.URL, "compliance-secret")

	iid, sha := d.openMR(t, project, "feature", "main", "Add feature")
	require.Equal(t, map[int64]string{sec: "pending", comp: "pending"}, d.checkStatuses(t, project, iid))
	security.await(t, iid, sha, 1)
	compliance.await(t, iid, sha, 1)

	// One check passes; the other never answers, so the merge waits.
	d.respond(t, project, iid, sec, sha, "passed")
	require.True(t, d.merge(t, project, iid), "blocked while a check is pending")

	// The silent check fails at its deadline; a retry asks again.
	require.Eventually(t, func() bool { return d.checkStatuses(t, project, iid)[comp] == "failed" },
		20*time.Second, 100*time.Millisecond, "the pending check expires")
	require.True(t, d.merge(t, project, iid), "blocked by a failed check")
	d.retry(t, project, iid, comp)
	require.Equal(t, "pending", d.checkStatuses(t, project, iid)[comp])
	compliance.await(t, iid, sha, 2)
	d.respond(t, project, iid, comp, sha, "passed")
	require.False(t, d.merge(t, project, iid), "merges once every check passed")
	require.Equal(t, "merged", d.mrState(t, project, iid))
	w.Git("fetch", "--quiet", "origin", "main")
	w.Git("merge-base", "--is-ancestor", sha, "FETCH_HEAD") // the merge is in git

	// A train of three; CI fails the middle one.
	d.updateProject(t, project, settings{checksMustPass: ptr(false), trainsEnabled: ptr(true)})
	ci := servertest.NewCI(t, base, rootToken)
	d.addHook(t, project, ci.URL, ci.HookToken)
	w.Git("fetch", "--quiet", "origin", "main")
	var iids []int64
	var shas []string
	for _, b := range []string{"t1", "t2", "t3"} {
		w.Git("checkout", "--quiet", "-B", b, "FETCH_HEAD")
		w.Commit(b, map[string]string{b + ".txt": b + "\n"})
		w.Git("push", "--quiet", "origin", b)
		iid, sha := d.openMR(t, project, b, "main", "Add "+b)
		d.setCommitStatus(t, project, sha, "success")
		iids = append(iids, iid)
		shas = append(shas, sha)
	}
	ci.Decide(func(p servertest.Pipeline) string {
		if p.MergeRequestIID == iids[1] {
			return "failed"
		}
		return "success"
	})
	for _, iid := range iids {
		d.addToTrain(t, project, iid)
	}
	require.Eventually(t, func() bool {
		return d.car(t, project, iids[0]) == "merged" && d.car(t, project, iids[2]) == "merged"
	}, 60*time.Second, 100*time.Millisecond, "the first and last cars merge")
	require.Equal(t, "", d.car(t, project, iids[1]), "the failed car left the train")
	require.Equal(t, "opened", d.mrState(t, project, iids[1]))
	require.Equal(t, "merged", d.mrState(t, project, iids[2]))
	// In git: main holds the first and last, and not the failed one.
	w.Git("fetch", "--quiet", "origin", "main")
	w.Git("merge-base", "--is-ancestor", shas[0], "FETCH_HEAD")
	w.Git("merge-base", "--is-ancestor", shas[2], "FETCH_HEAD")
	_, err := w.TryGit("merge-base", "--is-ancestor", shas[1], "FETCH_HEAD")
	require.Error(t, err, "the failed car's commit is not on main")
}

// signedReceiver is a check service: it verifies each delivery's
// signatures with its secret and records what it was asked.
type signedReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]int // "iid/sha" → deliveries
	wake chan struct{}
}

func newSignedReceiver(t *testing.T, secret string) *signedReceiver {
	t.Helper()
	r := &signedReceiver{seen: map[string]int{}, wake: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(check.NewHandler(check.NewVerifier([]byte(secret)),
		func(_ context.Context, ev *check.Event) error {
			r.mu.Lock()
			r.seen[key(ev.MergeRequestIID, ev.SHA)]++
			r.mu.Unlock()
			select {
			case r.wake <- struct{}{}:
			default:
			}
			return nil
		}, nil))
	t.Cleanup(r.Close)
	return r
}

func key(iid int64, sha string) string { return strings.Join([]string{itoa(iid), sha}, "/") }

// await waits until n signed deliveries for the merge request's sha arrived.
func (r *signedReceiver) await(t *testing.T, iid int64, sha string, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		got := r.seen[key(iid, sha)]
		r.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("receiver %s: %d signed deliveries for !%d at %s, want %d", r.URL, got, iid, sha, n)
		}
	}
}
