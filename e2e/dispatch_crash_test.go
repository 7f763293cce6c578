package e2e_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store/redistest"
)

var (
	dispatchKillRounds = flag.Int("dispatch-kill-rounds", 3, "TestDispatchSurvivesSIGKILL: pushes killed after a random delay")
	dispatchKillSeed   = flag.Uint64("dispatch-kill-seed", 1, "TestDispatchSurvivesSIGKILL: seed of the random delays")
)

// dispatchChecks is how many checks every merge request of the crash test
// asks: the number the crash was found with.
const dispatchChecks = 60

// payloadLog is the one receiver of every check of a project: it answers
// 200 at once and records, per head sha and check, the action of each
// payload it gets ("" for a retry). beforeAnswer, when set, runs first.
type payloadLog struct {
	*httptest.Server
	mu           sync.Mutex
	got          map[string]map[int64][]string
	beforeAnswer func(sha string)
}

func newPayloadLog(t *testing.T) *payloadLog {
	t.Helper()
	l := &payloadLog{got: map[string]map[int64][]string{}}
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			ObjectAttributes struct {
				Action     string `json:"action"`
				LastCommit struct {
					ID string `json:"id"`
				} `json:"last_commit"`
			} `json:"object_attributes"`
			Rule struct {
				ID int64 `json:"id"`
			} `json:"external_approval_rule"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sha := p.ObjectAttributes.LastCommit.ID
		l.mu.Lock()
		if l.got[sha] == nil {
			l.got[sha] = map[int64][]string{}
		}
		l.got[sha][p.Rule.ID] = append(l.got[sha][p.Rule.ID], p.ObjectAttributes.Action)
		before := l.beforeAnswer
		l.mu.Unlock()
		if before != nil {
			before(sha)
		}
	}))
	t.Cleanup(l.Close)
	return l
}

// actions are the actions of the payloads check got about sha.
func (l *payloadLog) actions(sha string, check int64) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got[sha][check]...)
}

// asked is how many of checks got at least one payload about sha.
func (l *payloadLog) asked(sha string, checks []int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range checks {
		if len(l.got[sha][c]) > 0 {
			n++
		}
	}
	return n
}

func (l *payloadLog) setBeforeAnswer(f func(sha string)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.beforeAnswer = f
}

// dispatchRig is one project with dispatchChecks checks, all answered by
// one payloadLog, on one Redis and data directory that server processes
// come and go on.
type dispatchRig struct {
	// root owns the servers, which outlive each subtest; t is the test
	// running now.
	root   *testing.T
	t      *testing.T
	args   []string
	srv    *harness.Server
	gl     *gitlab.Client
	pid    int64
	checks []int64
	log    *payloadLog
	wt     *gitrepotest.Worktree
}

func newDispatchRig(t *testing.T) *dispatchRig {
	redis := redistest.New(t)
	r := &dispatchRig{root: t, t: t, args: []string{"--redis-url", redis.URL(), "--data-dir", t.TempDir(), "--root-token", rootToken,
		"--allow-local-network", "--log-format", "json"}, log: newPayloadLog(t)}
	r.start()
	p, _, err := r.gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("demo")})
	require.NoError(t, err)
	r.pid = p.ID
	for i := range dispatchChecks {
		c, _, err := r.gl.ExternalStatusChecks.CreateProjectExternalStatusCheck(p.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
			Name: gitlab.Ptr("check-" + strconv.Itoa(i)), ExternalURL: gitlab.Ptr(r.log.URL + "/" + strconv.Itoa(i))})
		require.NoError(t, err)
		r.checks = append(r.checks, c.ID)
	}
	r.wt = gitrepotest.NewWorktree(t)
	r.wt.Checkout("main")
	r.wt.Commit("init", map[string]string{"README": "hello\n"})
	r.push("main")
	return r
}

// start kills the running server, if any, and starts another with env.
// Checks time out after 2 s, so that the test sees every pending check
// fail.
func (r *dispatchRig) start(env ...string) {
	if r.srv != nil {
		r.srv.Kill()
	}
	r.srv = harness.Start(r.root, binary, append([]string{"SIGNALBOX_STATUS_CHECK_TIMEOUT=2s"}, env...), r.args...)
	r.gl = gitlabClient(r.t, r.srv.URL)
}

// crashed waits for a server started with a crash point to reach it.
func (r *dispatchRig) crashed() {
	r.t.Helper()
	_, exited := r.srv.Wait(30 * time.Second)
	require.True(r.t, exited, "the server never reached its crash point")
}

func (r *dispatchRig) remote() string {
	return strings.Replace(r.srv.URL, "http://", "http://root:"+rootToken+"@", 1) + "/root/demo.git"
}

// push pushes branches; a server that dies meanwhile fails the push, which
// is what the test wants.
func (r *dispatchRig) push(branches ...string) error {
	_, err := r.wt.TryGit(append([]string{"push", "--quiet", "--force", r.remote()}, branches...)...)
	return err
}

// commit adds a commit to branch (made from main when new) and returns it.
func (r *dispatchRig) commit(branch string) string {
	if _, err := r.wt.TryGit("rev-parse", "--verify", "--quiet", "refs/heads/"+branch); err != nil {
		r.wt.Branch(branch, "main")
	} else {
		r.wt.Checkout(branch)
	}
	return r.wt.Commit("work on "+branch, map[string]string{branch: time.Now().String()})
}

// open opens a merge request from branch; the server may die meanwhile.
func (r *dispatchRig) open(branch string) {
	_, _, _ = r.gl.MergeRequests.CreateMergeRequest(r.pid, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr(branch), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Work on " + branch)})
}

// mergeRequest is the open merge request from branch: its iid and head.
func (r *dispatchRig) mergeRequest(branch string) (int64, string) {
	r.t.Helper()
	mrs, _, err := r.gl.MergeRequests.ListProjectMergeRequests(r.pid, &gitlab.ListProjectMergeRequestsOptions{
		ListOptions: gitlab.ListOptions{PerPage: 100}})
	require.NoError(r.t, err)
	for _, mr := range mrs {
		if mr.SourceBranch == branch && mr.State == "opened" {
			return mr.IID, mr.SHA
		}
	}
	r.t.Fatalf("no open merge request from %s", branch)
	return 0, ""
}

func (r *dispatchRig) statuses(iid int64) map[int64]string {
	r.t.Helper()
	checks, _, err := r.gl.ExternalStatusChecks.ListProjectMergeRequestExternalStatusChecks(r.pid, iid,
		&gitlab.ListProjectMergeRequestExternalStatusChecksOptions{ListOptions: gitlab.ListOptions{PerPage: 100}})
	require.NoError(r.t, err)
	out := map[int64]string{}
	for _, c := range checks {
		out[c.ID] = c.Status
	}
	return out
}

// requireInvariant checks, on a freshly started server, what a dispatch must
// leave behind whatever instant it died at: every check of the merge
// request from branch is asked about its head (its delivery was queued),
// every pending check fails at its deadline (it had one), and a failed
// check can be retried.
func (r *dispatchRig) requireInvariant(branch string) {
	r.t.Helper()
	iid, sha := r.mergeRequest(branch)
	// A delivery whose attempt the kill cut short is due again when its
	// lease (30 s) lapses.
	require.Eventually(r.t, func() bool { return r.log.asked(sha, r.checks) == dispatchChecks }, 60*time.Second, 20*time.Millisecond,
		"every check is asked about the head %s", sha)
	var last map[int64]string
	require.Eventually(r.t, func() bool {
		last = r.statuses(iid)
		for _, c := range r.checks {
			if last[c] != "failed" {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond, "every check fails at its deadline; statuses: %v", &last)

	// Retry works, and asks the check again.
	check := r.checks[0]
	before := len(r.log.actions(sha, check))
	_, err := r.gl.ExternalStatusChecks.RetryFailedExternalStatusCheckForProjectMergeRequest(r.pid, iid, check, nil)
	require.NoError(r.t, err)
	require.Equal(r.t, "pending", r.statuses(iid)[check])
	require.Eventually(r.t, func() bool { return len(r.log.actions(sha, check)) > before }, 30*time.Second, 20*time.Millisecond)
	require.Equal(r.t, "", r.log.actions(sha, check)[before], "a retry's payload has no action")
}

// TestDispatchSurvivesSIGKILL kills the server while it dispatches a merge
// request change to 60 checks: at every crash point of the dispatch, at the
// moment the first check receives its payload, and after random delays
// into a push (seeded; -dispatch-kill-rounds and -dispatch-kill-seed for
// more). After each kill a fresh server must hold the invariant: every
// pending check has a deadline and a queued delivery. Pending rows used to
// be written one check at a time after the merge request itself, so a kill
// mid-dispatch left checks pending forever, with no delivery, and a retry
// answered 422.
func TestDispatchSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	r := newDispatchRig(t)

	// pushed makes a merge request from branch, then kills and restarts the
	// server around a push to it made by kill.
	pushed := func(t *testing.T, branch string, kill func(sha string)) {
		r.t = t
		r.commit(branch)
		require.NoError(t, r.push(branch))
		r.open(branch)
		r.requireInvariant(branch)
		kill(r.commit(branch))
		r.start()
		r.requireInvariant(branch)
	}
	atPoint := func(point string) func(string) {
		return func(string) {
			r.start("SIGNALBOX_CRASH_AT=" + point)
			_ = r.pushCurrent() // fails when the server dies before git hears back
			r.crashed()
		}
	}

	t.Run("OpenedThenKilledBeforeDispatch", func(t *testing.T) {
		r.t = t
		r.commit("opened")
		require.NoError(t, r.push("opened"))
		r.start("SIGNALBOX_CRASH_AT=" + statuscheck.CrashDispatchBegin)
		r.open("opened")
		r.crashed()
		r.start()
		r.requireInvariant("opened")
	})
	for _, point := range []string{statuscheck.CrashDispatchBegin, statuscheck.CrashDispatchBuilt, statuscheck.CrashDispatchWritten} {
		t.Run("PushedThenKilledAt/"+point, func(t *testing.T) {
			pushed(t, "at-"+strings.ReplaceAll(point, ".", "-"), atPoint(point))
		})
	}
	t.Run("PushedThenKilledWhenTheFirstCheckIsAsked", func(t *testing.T) {
		pushed(t, "first-asked", func(sha string) {
			var once sync.Once
			srv := r.srv
			r.log.setBeforeAnswer(func(got string) {
				if got == sha {
					once.Do(srv.Kill)
				}
			})
			defer r.log.setBeforeAnswer(nil)
			_ = r.pushCurrent()
			_, exited := srv.Wait(30 * time.Second)
			require.True(t, exited, "a check was asked about the pushed head")
		})
	})
	t.Run("PushedThenKilledBeforeDispatchAndAnsweredOnAnotherReplica", func(t *testing.T) {
		r.t = t
		branch := "answered"
		r.commit(branch)
		require.NoError(t, r.push(branch))
		r.open(branch)
		r.requireInvariant(branch)
		// Replica B runs beside the one that dies mid-dispatch.
		b := harness.Start(r.root, binary, []string{"SIGNALBOX_STATUS_CHECK_TIMEOUT=2s"}, r.args...)
		r.commit(branch)
		atPoint(statuscheck.CrashDispatchBegin)("")
		// B sees the new head, with no check asked, and one check answers.
		r.srv, r.gl = b, gitlabClient(t, b.URL)
		iid, sha := r.mergeRequest(branch)
		answered := r.checks[2]
		_, err := r.gl.ExternalStatusChecks.SetProjectMergeRequestExternalStatusCheckStatus(r.pid, iid,
			&gitlab.SetProjectMergeRequestExternalStatusCheckStatusOptions{SHA: gitlab.Ptr(sha), ExternalStatusCheckID: gitlab.Ptr(answered), Status: gitlab.Ptr("passed")})
		require.NoError(t, err)
		// A server that starts completes the dispatch, and keeps the answer.
		r.start()
		others := slices.DeleteFunc(slices.Clone(r.checks), func(c int64) bool { return c == answered })
		require.Eventually(t, func() bool { return r.log.asked(sha, others) == len(others) }, 30*time.Second, 20*time.Millisecond,
			"every other check is asked about the head")
		require.Eventually(t, func() bool {
			st := r.statuses(iid)
			for _, c := range others {
				if st[c] != "failed" {
					return false
				}
			}
			return st[answered] == "passed"
		}, 20*time.Second, 50*time.Millisecond, "the others fail at their deadline; the answer stays")
	})
	rnd := rand.New(rand.NewPCG(*dispatchKillSeed, 0))
	for i := range *dispatchKillRounds {
		delay := time.Duration(rnd.Int64N(int64(200 * time.Millisecond)))
		t.Run(fmt.Sprintf("PushedThenKilledAfter/%s", delay.Round(time.Millisecond)), func(t *testing.T) {
			t.Logf("seed %d, round %d: SIGKILL %s into the push", *dispatchKillSeed, i, delay)
			pushed(t, fmt.Sprintf("random-%d", i), func(string) {
				srv := r.srv
				timer := time.AfterFunc(delay, srv.Kill)
				defer timer.Stop()
				_ = r.pushCurrent()
				srv.Kill()
			})
		})
	}
	t.Run("RetryKilledAfterItsWrite", func(t *testing.T) {
		r.t = t
		branch := "retried"
		r.commit(branch)
		require.NoError(t, r.push(branch))
		r.open(branch)
		r.requireInvariant(branch)
		iid, sha := r.mergeRequest(branch)
		check := r.checks[1]
		require.Eventually(t, func() bool { return r.statuses(iid)[check] == "failed" }, 20*time.Second, 50*time.Millisecond)
		before := len(r.log.actions(sha, check))
		r.start("SIGNALBOX_CRASH_AT=" + statuscheck.CrashRetryWritten)
		_, err := r.gl.ExternalStatusChecks.RetryFailedExternalStatusCheckForProjectMergeRequest(r.pid, iid, check, nil)
		require.Error(t, err, "the server dies before it answers")
		r.crashed()
		r.start()
		require.Eventually(t, func() bool { return len(r.log.actions(sha, check)) > before }, 30*time.Second, 20*time.Millisecond,
			"the retried check is asked again")
		require.Eventually(t, func() bool { return r.statuses(iid)[check] == "failed" }, 20*time.Second, 50*time.Millisecond,
			"the retried check fails at its new deadline")
		r.requireInvariant(branch)
	})
}

// pushCurrent pushes the branch checked out in the worktree.
func (r *dispatchRig) pushCurrent() error {
	return r.push(strings.TrimSpace(r.wt.Git("rev-parse", "--abbrev-ref", "HEAD")))
}
