package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	sdkreceiver "github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestStatusChecksFollowTheMergeTrain drives status checks that follow the
// merge train (docs/train-checks.md) through REST and real git, with a
// check service that verifies every signature and judges the files of the
// commit it is asked about, fetched over git: a tree that holds both "one"
// and "two" breaks its rule, each alone is fine.
//
//   - !1 adds "one", !2 adds "two": both heads pass, the car of !2 (built
//     on !1's) fails, so !1 lands and !2 is dropped with its own reason.
//   - !3's car is rebuilt twice on a main that moved by empty commits (the
//     same tree each time): the first rebuild, while the check is pending,
//     sends a signed "obsolete" notice and asks about the new commit; once
//     that is answered, the second rebuild reuses the answer without asking,
//     and the delivery log says so.
func TestStatusChecksFollowTheMergeTrain(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network")
	gl := gitlabClient(t, srv.URL)
	sdk, err := signalbox.New(srv.URL, signalbox.WithToken(rootToken))
	require.NoError(t, err)

	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	var settings map[string]any
	require.NoError(t, json.Unmarshal(mustAPI(t, srv.URL, "PUT", "/api/v4/projects/1", map[string]any{
		"merge_trains_enabled": true, "merge_pipelines_enabled": true,
		"only_allow_merge_if_all_status_checks_passed": true, "status_checks_follow_merge_train": true,
	}), &settings))
	require.Equal(t, true, settings["status_checks_follow_merge_train"], "the extension shows once on")

	// CI passes every pipeline, except !3's while holdCI is set.
	var holdCI atomic.Bool
	holdCI.Store(true)
	ci := servertest.NewCI(t, srv.URL, rootToken)
	ci.Decide(func(p servertest.Pipeline) string {
		if p.MergeRequestIID == 3 && holdCI.Load() {
			return ""
		}
		return "success"
	})
	_, _, err = gl.Projects.AddProjectHook(1, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(ci.URL), PipelineEvents: gitlab.Ptr(true), Token: gitlab.Ptr(ci.HookToken),
	})
	require.NoError(t, err)

	svc := newTreeCheckService(t, srv.URL, "flag-secret")
	svc.hold(3) // !3's car questions wait for svc.release
	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/external_status_checks",
		map[string]any{"name": "flags", "external_url": svc.URL, "shared_secret": "flag-secret"})

	pushBranches(t, srv.URL, "one", "two", "three")
	for _, b := range []string{"one", "two", "three"} {
		openGreenMR(t, gl, 1, b)
	}
	for iid := 1; iid <= 3; iid++ {
		require.Eventually(t, func() bool { return checkStatus(t, srv.URL, iid) == "passed" }, 30*time.Second, 50*time.Millisecond,
			"every head passes on its own")
	}

	// Part 1: !2's car holds "one" and "two".
	for _, iid := range []int64{1, 2} {
		_, _, err := gl.MergeTrains.AddMergeRequestToMergeTrain(1, iid, nil)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return mrState(t, gl, 1) == "merged" }, 60*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		return hasNote(t, gl, 2, "removed this merge request from the merge train because status checks failed on the merge train commit")
	}, 60*time.Second, 100*time.Millisecond)
	require.Equal(t, "opened", mrState(t, gl, 2), "the car of !2 did not land")
	require.Equal(t, "passed", checkStatus(t, srv.URL, 2), "its head still passes: only the car failed")
	require.NotEmpty(t, svc.find(2, sdkreceiver.ActionMergeTrain, ""), "the check was asked about !2's car")
	main := lsRemote(t, srv.URL)["refs/heads/main"]
	require.Equal(t, []string{"README", "one"}, svc.files(t, main), "main holds !1 only")

	// Part 2: !3's car, rebuilt on empty commits to main.
	_, _, err = gl.MergeTrains.AddMergeRequestToMergeTrain(1, 3, nil)
	require.NoError(t, err)
	first := svc.await(t, 3, sdkreceiver.ActionMergeTrain, "")
	pushEmptyToMain(t, srv.URL)
	obsolete := svc.await(t, 3, sdkreceiver.ActionObsolete, first.sha)
	require.Equal(t, first.carID, obsolete.carID)
	second := svc.awaitOther(t, 3, sdkreceiver.ActionMergeTrain, first.sha)
	require.NotEqual(t, first.sha, second.sha, "a new commit")
	require.Equal(t, first.tree, second.tree, "with the same tree: it was never answered, so it is asked")

	// An answer for the obsolete commit is refused as any stale sha is.
	status, body := api(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests/3/status_check_responses",
		map[string]any{"sha": first.sha, "external_status_check_id": 1, "status": "passed"})
	require.Equal(t, http.StatusConflict, status, string(body))

	svc.release(t, 3)
	carCheck := func() *signalboxv1.MergeTrainCarCheck {
		res, err := sdk.MergeTrains.GetMergeTrainCar(callCtx(t), &signalboxv1.GetMergeTrainCarRequest{Project: "1", MergeRequestIid: 3})
		require.NoError(t, err)
		if checks := res.GetCar().GetStatusChecks(); len(checks) == 1 {
			return checks[0]
		}
		return nil
	}
	require.Eventually(t, func() bool {
		c := carCheck()
		return c != nil && c.GetSha() == second.sha && c.GetStatus() == signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED
	}, 30*time.Second, 50*time.Millisecond)

	pushEmptyToMain(t, srv.URL)
	var third *signalboxv1.MergeTrainCarCheck
	require.Eventually(t, func() bool {
		third = carCheck()
		return third != nil && third.GetSha() != second.sha && third.GetReusedFromSha() == second.sha
	}, 30*time.Second, 50*time.Millisecond, "the rebuilt car reuses the answer for its tree")
	require.Equal(t, signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED, third.GetStatus())
	log, err := sdk.StatusChecks.ListDeliveries(callCtx(t), &signalboxv1.ListDeliveriesRequest{Project: "1", CheckId: 1})
	require.NoError(t, err)
	var forThird, obsoleteSecond []string
	for _, d := range log.GetDeliveries() {
		if d.GetSha() == third.GetSha() {
			forThird = append(forThird, d.GetEvent()+":"+d.GetState().String())
		}
		if d.GetSha() == second.sha && d.GetEvent() == "obsolete" {
			obsoleteSecond = append(obsoleteSecond, d.GetEvent())
		}
	}
	require.Equal(t, []string{"reused:DELIVERY_STATE_REUSED"}, forThird, "asked once per tree; the log says why")
	require.Empty(t, obsoleteSecond, "an answered car is not obsolete")
	require.Empty(t, svc.find(3, "", third.GetSha()), "nothing was sent about the third commit")

	holdCI.Store(false)
	ci.Report(ci.Latest(t, 3, 0, 10*time.Second), "success")
	require.Eventually(t, func() bool { return mrState(t, gl, 3) == "merged" }, 60*time.Second, 100*time.Millisecond)
	require.Equal(t, []string{"README", "one", "three"}, svc.files(t, lsRemote(t, srv.URL)["refs/heads/main"]))
}

func mrState(t *testing.T, gl *gitlab.Client, iid int64) string {
	t.Helper()
	mr, _, err := gl.MergeRequests.GetMergeRequest(1, iid, nil)
	require.NoError(t, err)
	return mr.State
}

func hasNote(t *testing.T, gl *gitlab.Client, iid int64, text string) bool {
	t.Helper()
	notes, _, err := gl.Notes.ListMergeRequestNotes(1, iid, nil)
	require.NoError(t, err)
	return slices.ContainsFunc(notes, func(n *gitlab.Note) bool { return strings.Contains(n.Body, text) })
}

// pushEmptyToMain pushes a commit with main's tree onto main: a push from
// outside the train that changes no file.
func pushEmptyToMain(t *testing.T, base string) {
	t.Helper()
	w := gitrepotest.NewWorktree(t)
	w.Git("remote", "add", "origin", strings.Replace(base, "http://", "http://root:"+rootToken+"@", 1)+"/root/demo.git")
	w.Git("fetch", "--quiet", "origin", "main")
	w.Git("checkout", "--quiet", "-B", "main", "FETCH_HEAD")
	w.Commit("nothing changes", nil)
	w.Git("push", "--quiet", "origin", "main")
}

// treeCheckService is an external status check that verifies each signed
// request with the receiver SDK, fetches the commit asked about over git,
// and fails a tree holding both "one" and "two".
type treeCheckService struct {
	*httptest.Server
	base string
	git  *gitrepotest.Worktree

	mu     sync.Mutex // guards below and serialises git
	seen   []carEvent
	held   map[int64]bool
	waitOn []*sdkreceiver.Event
}

type carEvent struct {
	iid          int64
	action, sha  string
	carID        int64
	tree         string
	fetchedFiles []string
}

func newTreeCheckService(t *testing.T, base, secret string) *treeCheckService {
	s := &treeCheckService{base: base, git: gitrepotest.NewWorktree(t), held: map[int64]bool{}}
	s.git.Git("remote", "add", "origin", strings.Replace(base, "http://", "http://root:"+rootToken+"@", 1)+"/root/demo.git")
	s.Server = httptest.NewServer(sdkreceiver.NewHandler(sdkreceiver.NewVerifier([]byte(secret)), s.handle, nil))
	t.Cleanup(s.Close)
	return s
}

func (s *treeCheckService) hold(iid int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[iid] = true
}

// release answers the held car questions of iid, and stops holding.
func (s *treeCheckService) release(t *testing.T, iid int64) {
	s.mu.Lock()
	s.held[iid] = false
	waiting := s.waitOn
	s.waitOn = nil
	s.mu.Unlock()
	for _, ev := range waiting {
		if ev.MergeRequestIID == iid {
			s.answer(ev)
		} else {
			s.mu.Lock()
			s.waitOn = append(s.waitOn, ev)
			s.mu.Unlock()
		}
	}
}

func (s *treeCheckService) handle(_ context.Context, ev *sdkreceiver.Event) error {
	if ev.MergeTrain == nil {
		go s.answer(ev)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	files, tree, err := s.read(ev.SHA)
	if err != nil && ev.Action != sdkreceiver.ActionObsolete {
		return err // 500: asked again
	}
	s.seen = append(s.seen, carEvent{iid: ev.MergeRequestIID, action: ev.Action, sha: ev.SHA, carID: ev.MergeTrain.CarID, tree: tree, fetchedFiles: files})
	switch {
	case ev.IsObsolete():
	case s.held[ev.MergeRequestIID]:
		s.waitOn = append(s.waitOn, ev)
	default:
		go s.answer(ev)
	}
	return nil
}

// read fetches the repository and lists the files and tree of sha. Called
// with s.mu held.
func (s *treeCheckService) read(sha string) ([]string, string, error) {
	if out, err := s.git.TryGit("fetch", "--quiet", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/merge-requests/*:refs/remotes/mr/*"); err != nil {
		return nil, "", fmt.Errorf("fetch: %v: %s", err, out)
	}
	tree, err := s.git.TryGit("rev-parse", sha+"^{tree}")
	if err != nil {
		return nil, "", fmt.Errorf("rev-parse %s: %v: %s", sha, err, tree)
	}
	out, err := s.git.TryGit("ls-tree", "--name-only", sha)
	if err != nil {
		return nil, "", fmt.Errorf("ls-tree %s: %v: %s", sha, err, out)
	}
	return strings.Fields(out), strings.TrimSpace(tree), nil
}

// answer posts the verdict on the files of the commit asked about.
func (s *treeCheckService) answer(ev *sdkreceiver.Event) {
	s.mu.Lock()
	files, _, err := s.read(ev.SHA)
	s.mu.Unlock()
	status := "passed"
	if err != nil || slices.Contains(files, "one") && slices.Contains(files, "two") {
		status = "failed"
	}
	// A car rebuilt meanwhile answers 409: its check was told.
	_, _, _ = newRootClient(s.base).do(context.Background(), "POST",
		fmt.Sprintf("/api/v4/projects/%d/merge_requests/%d/status_check_responses", ev.ProjectID, ev.MergeRequestIID),
		map[string]any{"sha": ev.SHA, "external_status_check_id": ev.Check.ID, "status": status})
}

// files lists the files of a commit, for the test's own assertions.
func (s *treeCheckService) files(t *testing.T, sha string) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	files, _, err := s.read(sha)
	require.NoError(t, err)
	return files
}

// find returns the car events of iid with action and sha ("" for any).
func (s *treeCheckService) find(iid int64, action, sha string) []carEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []carEvent
	for _, e := range s.seen {
		if e.iid == iid && (action == "" || e.action == action) && (sha == "" || e.sha == sha) {
			out = append(out, e)
		}
	}
	return out
}

func (s *treeCheckService) await(t *testing.T, iid int64, action, sha string) carEvent {
	t.Helper()
	var got []carEvent
	require.Eventually(t, func() bool { got = s.find(iid, action, sha); return len(got) > 0 }, 30*time.Second, 50*time.Millisecond,
		"no %s event for !%d %s", action, iid, sha)
	return got[0]
}

// awaitOther waits for an event of iid with action about a commit other
// than not.
func (s *treeCheckService) awaitOther(t *testing.T, iid int64, action, not string) carEvent {
	t.Helper()
	var found carEvent
	require.Eventually(t, func() bool {
		for _, e := range s.find(iid, action, "") {
			if e.sha != not {
				found = e
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "no %s event for !%d other than %s", action, iid, not)
	return found
}
