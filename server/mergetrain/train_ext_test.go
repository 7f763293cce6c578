package mergetrain_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/servertest"
)

const wait = 30 * time.Second

// fixture is a live server (trains moving by themselves), a project with
// merge trains on and a CI stand-in hooked to it.
type fixture struct {
	srv  *servertest.Server
	gl   *gitlab.Client
	ci   *servertest.CI
	work *servertest.Worktree
	pid  int64
}

func newFixture(t *testing.T, settings *gitlab.EditProjectOptions, opts ...servertest.Option) *fixture {
	t.Helper()
	opts = append([]servertest.Option{servertest.RealClock(), servertest.WithConfig(func(c *config.Config) { c.AllowLocalNetwork = true })}, opts...)
	srv := servertest.New(t, opts...)
	gl, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	p, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("demo")})
	require.NoError(t, err)
	settings.MergeTrainsEnabled = gitlab.Ptr(true)
	settings.MergePipelinesEnabled = gitlab.Ptr(true)
	_, _, err = gl.Projects.EditProject(p.ID, settings)
	require.NoError(t, err)
	ci := srv.NewCI(t, servertest.RootToken)
	_, _, err = gl.Projects.AddProjectHook(p.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(ci.URL), PipelineEvents: gitlab.Ptr(true), PushEvents: gitlab.Ptr(false), Token: gitlab.Ptr(ci.HookToken),
	})
	require.NoError(t, err)
	w := srv.Clone(t, "root/demo")
	w.Push("main", "", map[string]string{"README": "hello\n"})
	return &fixture{srv: srv, gl: gl, ci: ci, work: w, pid: p.ID}
}

// openMR pushes a branch with one file from main and opens its merge
// request, with a successful head pipeline as CI would have left it.
func (f *fixture) openMR(t *testing.T, branch string) *gitlab.MergeRequest {
	t.Helper()
	sha := f.work.Push(branch, "main", map[string]string{branch + ".txt": branch + "\n"})
	f.work.Checkout("main")
	mr, _, err := f.gl.MergeRequests.CreateMergeRequest(f.pid, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr(branch), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Add " + branch),
	})
	require.NoError(t, err)
	_, _, err = f.gl.Commits.SetCommitStatus(f.pid, sha, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr("test")})
	require.NoError(t, err)
	return mr
}

func (f *fixture) car(t *testing.T, iid int64) (*gitlab.MergeTrain, int) {
	t.Helper()
	car, res, err := f.gl.MergeTrains.GetMergeRequestOnAMergeTrain(f.pid, iid)
	if err != nil && res == nil {
		t.Fatal(err)
	}
	return car, res.StatusCode
}

func (f *fixture) waitMerged(t *testing.T, iid int64) *gitlab.MergeTrain {
	t.Helper()
	var car *gitlab.MergeTrain
	require.Eventually(t, func() bool {
		c, status := f.car(t, iid)
		car = c
		return status == http.StatusOK && c.Status == "merged"
	}, wait, 20*time.Millisecond, "car of !%d never merged", iid)
	return car
}

// remoteRefs is what `git ls-remote` shows of the project's repository.
func (f *fixture) remoteRefs(t *testing.T) map[string]string {
	t.Helper()
	out := f.work.Git("ls-remote", "origin")
	refs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		sha, ref, _ := strings.Cut(line, "\t")
		refs[ref] = sha
	}
	return refs
}

// parents are a commit's parents, read from a fresh fetch.
func (f *fixture) parents(t *testing.T, sha string) []string {
	t.Helper()
	f.work.Git("fetch", "--quiet", "origin", "+refs/merge-requests/*:refs/remotes/mr/*", "+refs/heads/*:refs/remotes/origin/*")
	return strings.Fields(f.work.Git("rev-list", "--parents", "-n", "1", sha))[1:]
}

// TestTrainOfThreeOneFails runs spec cases 33-37 on a live server: three
// cars built each on the one ahead, visible to git ls-remote; the middle
// car's pipeline fails while the first's runs, so it is held (the failure
// may be the first car's) and the last car is rebuilt on the first; once
// the first passes, the middle car's failure is its own and it is dropped
// with a note; what lands on main is exactly what was tested.
func TestTrainOfThreeOneFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{})
	var mrs []*gitlab.MergeRequest
	for _, b := range []string{"a", "b", "c"} {
		mrs = append(mrs, f.openMR(t, b))
	}
	mainHead := f.remoteRefs(t)["refs/heads/main"]
	for _, mr := range mrs {
		train, res, err := f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, mr.IID, &gitlab.AddMergeRequestToMergeTrainOptions{SHA: gitlab.Ptr(mr.SHA)})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, res.StatusCode)
		require.NotEmpty(t, train)
	}
	p1 := f.ci.Latest(t, mrs[0].IID, 0, wait)
	p2 := f.ci.Latest(t, mrs[1].IID, 0, wait)
	p3 := f.ci.Latest(t, mrs[2].IID, 0, wait)

	// Each car's commit is at its train ref, built on the car ahead.
	refs := f.remoteRefs(t)
	require.Equal(t, p1.SHA, refs["refs/merge-requests/1/train"])
	require.Equal(t, p2.SHA, refs["refs/merge-requests/2/train"])
	require.Equal(t, p3.SHA, refs["refs/merge-requests/3/train"])
	require.Equal(t, []string{mainHead, mrs[0].SHA}, f.parents(t, p1.SHA))
	require.Equal(t, []string{p1.SHA, mrs[1].SHA}, f.parents(t, p2.SHA))
	require.Equal(t, []string{p2.SHA, mrs[2].SHA}, f.parents(t, p3.SHA))
	for _, mr := range mrs {
		car, status := f.car(t, mr.IID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "fresh", car.Status)
		require.Equal(t, gitlab.PipelineSource("merge_request_event"), car.Pipeline.Source)
	}

	// The second car's pipeline fails while the first's runs: it is held,
	// and the third is rebuilt on the first, without it.
	f.ci.Report(p2, "failed")
	p3b := f.ci.Latest(t, mrs[2].IID, p3.ID, wait)
	require.Equal(t, []string{p1.SHA, mrs[2].SHA}, f.parents(t, p3b.SHA))
	held, status := f.car(t, mrs[1].IID)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "fresh", held.Status)
	require.Equal(t, "failed", held.Pipeline.Status)
	old, _, err := f.gl.Pipelines.GetPipeline(f.pid, p3.ID)
	require.NoError(t, err)
	require.Equal(t, "canceled", old.Status)
	first, _ := f.car(t, mrs[0].IID)
	require.Equal(t, p1.ID, first.Pipeline.ID, "the car ahead of the failure keeps its pipeline")

	// The third car passes first, and waits for the one ahead of it.
	f.ci.Report(p3b, "success")
	third, _ := f.car(t, mrs[2].IID)
	require.Equal(t, "fresh", third.Status)
	// The first passes: it merges, the second's failure is its own and it
	// is dropped, and the third merges.
	f.ci.Report(p1, "success")
	c1 := f.waitMerged(t, mrs[0].IID)
	c3 := f.waitMerged(t, mrs[2].IID)
	_, status = f.car(t, mrs[1].IID)
	require.Equal(t, http.StatusNotFound, status)
	notes, _, err := f.gl.Notes.ListMergeRequestNotes(f.pid, mrs[1].IID, nil)
	require.NoError(t, err)
	var dropNotes int
	for _, n := range notes {
		if strings.Contains(n.Body, "removed this merge request from the merge train") {
			dropNotes++
			require.Contains(t, n.Body, "because the pipeline did not succeed")
		}
	}
	require.Equal(t, 1, dropNotes, "exactly one note says why it left")
	require.NotNil(t, c1.MergedAt)
	require.NotNil(t, c1.Duration)

	// main moved to exactly the tested commits, in order.
	refs = f.remoteRefs(t)
	require.Equal(t, p3b.SHA, refs["refs/heads/main"])
	require.NotContains(t, refs, "refs/merge-requests/1/train", "a merged car's train ref is deleted")
	merged, _, err := f.gl.MergeRequests.GetMergeRequest(f.pid, mrs[0].IID, nil)
	require.NoError(t, err)
	require.Equal(t, "merged", merged.State)
	require.Equal(t, p1.SHA, merged.MergeCommitSHA)
	failed, _, err := f.gl.MergeRequests.GetMergeRequest(f.pid, mrs[1].IID, nil)
	require.NoError(t, err)
	require.Equal(t, "opened", failed.State)
	require.False(t, failed.MergeWhenPipelineSucceeds)

	complete, _, err := f.gl.MergeTrains.ListProjectMergeTrains(f.pid, &gitlab.ListMergeTrainsOptions{Scope: gitlab.Ptr("complete"), Sort: gitlab.Ptr("asc")})
	require.NoError(t, err)
	require.Len(t, complete, 2)
	require.Equal(t, []int64{c1.ID, c3.ID}, []int64{complete[0].ID, complete[1].ID})
	onMain, _, err := f.gl.MergeTrains.ListMergeRequestInMergeTrain(f.pid, "main", &gitlab.ListMergeTrainsOptions{Scope: gitlab.Ptr("active")})
	require.NoError(t, err)
	require.Empty(t, onMain)
}

// TestAutoMergeJoinsWhenHeadPipelinePasses: with the head pipeline still
// running, auto_merge arms the merge request (202); it joins by itself once
// CI reports success, then merges (spec cases 20, 28).
func TestAutoMergeJoinsWhenHeadPipelinePasses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{OnlyAllowMergeIfPipelineSucceeds: gitlab.Ptr(true)})
	f.ci.Decide(func(servertest.Pipeline) string { return "success" })
	sha := f.work.Push("feature", "main", map[string]string{"f.txt": "f\n"})
	mr, _, err := f.gl.MergeRequests.CreateMergeRequest(f.pid, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Feature"),
	})
	require.NoError(t, err)
	_, _, err = f.gl.Commits.SetCommitStatus(f.pid, sha, &gitlab.SetCommitStatusOptions{State: gitlab.Running, Name: gitlab.Ptr("test")})
	require.NoError(t, err)

	_, _, err = f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, mr.IID, &gitlab.AddMergeRequestToMergeTrainOptions{AutoMerge: gitlab.Ptr(false)})
	requireStatus(t, err, http.StatusBadRequest)
	train, res, err := f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, mr.IID, &gitlab.AddMergeRequestToMergeTrainOptions{AutoMerge: gitlab.Ptr(true)})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, res.StatusCode)
	require.Empty(t, train)
	_, status := f.car(t, mr.IID)
	require.Equal(t, http.StatusNotFound, status)
	armed, _, err := f.gl.MergeRequests.GetMergeRequest(f.pid, mr.IID, nil)
	require.NoError(t, err)
	require.True(t, armed.MergeWhenPipelineSucceeds)

	_, _, err = f.gl.Commits.SetCommitStatus(f.pid, sha, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr("test")})
	require.NoError(t, err)
	car := f.waitMerged(t, mr.IID)
	require.Equal(t, gitlab.PipelineSource("merge_request_event"), car.Pipeline.Source)
	require.Equal(t, car.Pipeline.SHA, f.remoteRefs(t)["refs/heads/main"])
}

// TestCarWaitsForStatusChecks: with "status checks must succeed" on, a car
// whose pipeline passed does not merge while a check is pending, and merges
// once it passes.
func TestCarWaitsForStatusChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{OnlyAllowMergeIfAllStatusChecksPassed: gitlab.Ptr(true)})
	mr := f.openMR(t, "feature")
	_, res, err := f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, mr.IID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	// A check added now applies to the merge request and is pending.
	check, _, err := f.gl.ExternalStatusChecks.CreateProjectExternalStatusCheck(f.pid, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("compliance"), ExternalURL: gitlab.Ptr("https://compliance.example.test/"),
	})
	require.NoError(t, err)
	f.ci.Report(f.ci.Latest(t, mr.IID, 0, wait), "success")
	time.Sleep(500 * time.Millisecond)
	car, _ := f.car(t, mr.IID)
	require.Equal(t, "fresh", car.Status, "a car never merges before its checks pass")

	_, err = f.gl.ExternalStatusChecks.SetProjectMergeRequestExternalStatusCheckStatus(f.pid, mr.IID, &gitlab.SetProjectMergeRequestExternalStatusCheckStatusOptions{
		SHA: gitlab.Ptr(mr.SHA), ExternalStatusCheckID: gitlab.Ptr(check.ID), Status: gitlab.Ptr("passed"),
	})
	require.NoError(t, err)
	f.waitMerged(t, mr.IID)
}

func requireStatus(t *testing.T, err error, status int) {
	t.Helper()
	var e *gitlab.ErrorResponse
	require.True(t, errors.As(err, &e), "want HTTP %d, got %v", status, err)
	require.Equal(t, status, e.Response.StatusCode)
}

// TestFastForwardTrain: on a fast-forward project each car's merge request
// is rebased onto the car ahead, and main moves to exactly the tested
// commits, with no merge commit.
func TestFastForwardTrain(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{MergeMethod: gitlab.Ptr(gitlab.FastForwardMerge)})
	f.ci.Decide(func(servertest.Pipeline) string { return "success" })
	a, b := f.openMR(t, "a"), f.openMR(t, "b")
	for _, mr := range []*gitlab.MergeRequest{a, b} {
		_, res, err := f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, mr.IID, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, res.StatusCode)
	}
	carA, carB := f.waitMerged(t, a.IID), f.waitMerged(t, b.IID)
	require.Equal(t, carB.Pipeline.SHA, f.remoteRefs(t)["refs/heads/main"])
	require.Equal(t, []string{carA.Pipeline.SHA}, f.parents(t, carB.Pipeline.SHA), "b rebased onto a's tested commit")
	require.Empty(t, strings.TrimSpace(f.work.Git("rev-list", "--merges", "refs/remotes/origin/main")), "a fast-forward train makes no merge commit")
}

// TestWatchStreamShowsTrainPipelines: a client watching a merge request
// over the Connect API sees its car, the train pipeline CI must run, and
// the car merging, without polling.
func TestWatchStreamShowsTrainPipelines(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{})
	mr := f.openMR(t, "feature")
	client, err := signalbox.New(f.srv.URL, signalbox.WithToken(servertest.RootToken))
	require.NoError(t, err)
	stream, err := client.MergeRequests.WatchMergeRequest(t.Context(), &signalboxv1.WatchMergeRequestRequest{
		Project: "root/demo", MergeRequestIid: mr.IID,
	})
	require.NoError(t, err)
	defer stream.Close()
	next := func(want func(*signalboxv1.WatchMergeRequestResponse) bool) *signalboxv1.WatchMergeRequestResponse {
		t.Helper()
		for {
			msg, err := stream.Receive()
			if err != nil {
				t.Fatalf("stream ended: %v", err)
			}
			if want(msg) {
				return msg
			}
		}
	}
	first := next(func(*signalboxv1.WatchMergeRequestResponse) bool { return true })
	require.Nil(t, first.GetCar(), "not on a train yet")

	_, _, err = f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, mr.IID, nil)
	require.NoError(t, err)
	built := next(func(m *signalboxv1.WatchMergeRequestResponse) bool { return m.GetCar().GetPipeline() != nil })
	pl := built.GetCar().GetPipeline()
	require.Equal(t, "refs/merge-requests/1/train", pl.GetRef())
	require.Equal(t, "merge_request_event", pl.GetSource())
	require.Equal(t, f.ci.Latest(t, mr.IID, 0, wait).SHA, pl.GetSha())

	f.ci.Report(f.ci.Latest(t, mr.IID, 0, wait), "success")
	// A snapshot reads the merge request, then the car: the stream settles
	// on both merged.
	next(func(m *signalboxv1.WatchMergeRequestResponse) bool {
		return m.GetCar().GetStatus() == signalboxv1.MergeTrainCarStatus_MERGE_TRAIN_CAR_STATUS_MERGED &&
			m.GetMergeRequest().GetState() == signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED
	})
}
