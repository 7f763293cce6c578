package mergetrain_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/servertest"
)

// These tests drive the engine through the GitLab door on a live server,
// each at an interleaving that made the old engine decide wrongly.

// dropNotes are a merge request's notes saying it left the train.
func (f *fixture) dropNotes(t *testing.T, iid int64) []string {
	t.Helper()
	notes, _, err := f.gl.Notes.ListMergeRequestNotes(f.pid, iid, nil)
	require.NoError(t, err)
	var out []string
	for _, n := range notes {
		if strings.HasPrefix(n.Body, "removed this merge request from the merge train") {
			out = append(out, n.Body)
		}
	}
	return out
}

func (f *fixture) add(t *testing.T, iid int64) {
	t.Helper()
	_, res, err := f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, iid, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.StatusCode)
}

func (f *fixture) state(t *testing.T, iid int64) string {
	t.Helper()
	mr, _, err := f.gl.MergeRequests.GetMergeRequest(f.pid, iid, nil)
	require.NoError(t, err)
	return mr.State
}

// settled waits until no car is left on the train.
func (f *fixture) settled(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		active, _, err := f.gl.MergeTrains.ListProjectMergeTrains(f.pid, &gitlab.ListMergeTrainsOptions{Scope: gitlab.Ptr("active")})
		return err == nil && len(active) == 0
	}, wait, 20*time.Millisecond)
}

// TestCancelRacingCISuccess: a cancel and CI's success race, round after
// round. Whatever the order, the answer is the truth: 201 means the merge
// request did not merge and has exactly one note, the cancel's; 406 means
// its merge had started and it merged. The old engine answered 201 and
// merged anyway, and wrote a second, false note ("did not succeed").
func TestCancelRacingCISuccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{})
	outcomes := map[int]int{}
	for round := range 10 {
		mr := f.openMR(t, "race"+itoa(round))
		f.add(t, mr.IID)
		p := f.ci.Latest(t, mr.IID, 0, wait)
		var status atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			f.ci.Report(p, "success")
		})
		wg.Go(func() {
			<-start
			if round%2 == 0 { // both orders of arrival
				time.Sleep(time.Duration(round) * time.Millisecond)
			}
			_, res, _ := f.gl.MergeRequests.CancelMergeWhenPipelineSucceeds(f.pid, mr.IID)
			require.NotNil(t, res)
			status.Store(int64(res.StatusCode))
		})
		close(start)
		wg.Wait()
		f.settled(t)
		outcomes[int(status.Load())]++
		drops := f.dropNotes(t, mr.IID)
		switch status.Load() {
		case http.StatusCreated:
			require.Equal(t, "opened", f.state(t, mr.IID), "round %d: cancelled, yet merged", round)
			require.Equal(t, []string{"removed this merge request from the merge train"}, drops, "round %d", round)
			_, code := f.car(t, mr.IID)
			require.Equal(t, http.StatusNotFound, code)
		case http.StatusNotAcceptable:
			require.Eventually(t, func() bool { return f.state(t, mr.IID) == "merged" }, wait, 20*time.Millisecond,
				"round %d: the cancel came too late, so it merged", round)
			require.Empty(t, drops, "round %d", round)
		default:
			require.Failf(t, "cancel", "round %d: answered %d", round, status.Load())
		}
	}
	t.Logf("cancel outcomes by status: %v", outcomes)
}

// TestInnocentCarIsNotEjectedWhenBuildsFinishOutOfOrder is GitLab's
// gitlab#500693: a is bad, and b's build (a and b together) reports failure
// before a's own does. b is held, not dropped; when a fails, a leaves and b
// is rebuilt without it, passes and merges.
func TestInnocentCarIsNotEjectedWhenBuildsFinishOutOfOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{})
	a, b := f.openMR(t, "a"), f.openMR(t, "b")
	f.add(t, a.IID)
	f.add(t, b.IID)
	pa := f.ci.Latest(t, a.IID, 0, wait)
	pb := f.ci.Latest(t, b.IID, 0, wait)
	f.ci.Report(pb, "failed")
	require.Eventually(t, func() bool {
		car, _ := f.car(t, b.IID)
		return car.Pipeline.Status == "failed"
	}, wait, 20*time.Millisecond)
	held, code := f.car(t, b.IID)
	require.Equal(t, http.StatusOK, code, "b's failure may be a's: it stays")
	require.Equal(t, "fresh", held.Status)

	f.ci.Report(pa, "failed")
	pb2 := f.ci.Latest(t, b.IID, pb.ID, wait)
	require.Equal(t, []string{f.remoteRefs(t)["refs/heads/main"], b.SHA}, f.parents(t, pb2.SHA), "b rebuilt on main, without a")
	f.ci.Report(pb2, "success")
	f.waitMerged(t, b.IID)
	require.Empty(t, f.dropNotes(t, b.IID))
	aDrops := f.dropNotes(t, a.IID)
	require.Len(t, aDrops, 1)
	require.Contains(t, aDrops[0], "because the pipeline did not succeed")
}

// movingRepos moves main from outside, once, just before the train's merge
// moves it: a push that lands between the plan and the compare-and-swap.
type movingRepos struct {
	repository.Repositories
	outside atomic.Value // the commit main is moved to first
	moved   atomic.Bool
}

func (m *movingRepos) Open(ctx context.Context, p *storagev1.Project) (repository.Repository, error) {
	r, err := m.Repositories.Open(ctx, p)
	return movingRepo{Repository: r, m: m}, err
}

type movingRepo struct {
	repository.Repository
	m *movingRepos
}

func (r movingRepo) MoveBranch(ctx context.Context, branch, newSHA, oldSHA string) error {
	if outside, _ := r.m.outside.Load().(string); outside != "" && branch == "main" && r.m.moved.CompareAndSwap(false, true) {
		if err := r.Repository.MoveBranch(ctx, branch, outside, oldSHA); err != nil {
			return err
		}
	}
	return r.Repository.MoveBranch(ctx, branch, newSHA, oldSHA)
}

// TestFailedSwapRebuildsInsteadOfDropping: a push lands on main between the
// plan to merge a car and the compare-and-swap that would move main. The
// car is rebuilt on the new main and merges later; it is not dropped.
func TestFailedSwapRebuildsInsteadOfDropping(t *testing.T) {
	t.Parallel()
	repos := &movingRepos{}
	f := newFixture(t, &gitlab.EditProjectOptions{}, servertest.WrapTrainRepositories(func(r repository.Repositories) repository.Repositories {
		repos.Repositories = r
		return repos
	}))
	outside := f.work.Push("outside", "main", map[string]string{"outside.txt": "x\n"})
	f.work.Checkout("main")
	repos.outside.Store(outside)
	mr := f.openMR(t, "feature")
	f.add(t, mr.IID)
	first := f.ci.Latest(t, mr.IID, 0, wait)
	f.ci.Report(first, "success")

	rebuilt := f.ci.Latest(t, mr.IID, first.ID, wait)
	require.True(t, repos.moved.Load())
	require.Equal(t, []string{outside, mr.SHA}, f.parents(t, rebuilt.SHA), "rebuilt on the main the push left")
	f.ci.Report(rebuilt, "success")
	car := f.waitMerged(t, mr.IID)
	require.Equal(t, rebuilt.SHA, car.Pipeline.SHA)
	require.Equal(t, rebuilt.SHA, f.remoteRefs(t)["refs/heads/main"])
	require.Empty(t, f.dropNotes(t, mr.IID))
}

// blockingRepos holds the train's builds while blocked is set.
type blockingRepos struct {
	repository.Repositories
	blocked atomic.Bool
	release chan struct{}
}

func (b *blockingRepos) Open(ctx context.Context, p *storagev1.Project) (repository.Repository, error) {
	r, err := b.Repositories.Open(ctx, p)
	return blockingRepo{Repository: r, b: b}, err
}

type blockingRepo struct {
	repository.Repository
	b *blockingRepos
}

func (r blockingRepo) BuildMerge(ctx context.Context, m repository.MergeSpec) (repository.Landing, error) {
	if r.b.blocked.Load() {
		select {
		case <-r.b.release:
		case <-ctx.Done():
			return repository.Landing{}, ctx.Err()
		}
	}
	return r.Repository.BuildMerge(ctx, m)
}

// TestStaleShowsWhileACarIsRebuilt: a push to main outdates the car's
// pipeline; while the car is rebuilt it shows stale (GitLab's state for
// it), with its old pipeline cancelled, and fresh again once rebuilt.
func TestStaleShowsWhileACarIsRebuilt(t *testing.T) {
	t.Parallel()
	repos := &blockingRepos{release: make(chan struct{})}
	f := newFixture(t, &gitlab.EditProjectOptions{}, servertest.WrapTrainRepositories(func(r repository.Repositories) repository.Repositories {
		repos.Repositories = r
		return repos
	}))
	mr := f.openMR(t, "feature")
	f.add(t, mr.IID)
	first := f.ci.Latest(t, mr.IID, 0, wait)
	repos.blocked.Store(true)
	f.work.Push("main", "", map[string]string{"outside.txt": "x\n"})
	require.Eventually(t, func() bool {
		car, _ := f.car(t, mr.IID)
		return car.Status == "stale"
	}, wait, 10*time.Millisecond, "a car being rebuilt shows stale")
	old, _, err := f.gl.Pipelines.GetPipeline(f.pid, first.ID)
	require.NoError(t, err)
	require.Equal(t, "canceled", old.Status)
	repos.blocked.Store(false)
	close(repos.release)
	next := f.ci.Latest(t, mr.IID, first.ID, wait)
	require.Eventually(t, func() bool {
		car, _ := f.car(t, mr.IID)
		return car.Status == "fresh" && car.Pipeline.ID == next.ID
	}, wait, 10*time.Millisecond)
}

// TestMergeImmediatelyRebuildsTheTrainWithoutDropping: without the project
// letting trains keep their pipelines over it, a merge that skips the
// train is a push like any other: the cars on the train are rebuilt on it,
// never dropped (the old engine dropped them: "the target branch moved").
func TestMergeImmediatelyRebuildsTheTrainWithoutDropping(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{})
	a, b := f.openMR(t, "a"), f.openMR(t, "b")
	f.add(t, a.IID)
	f.add(t, b.IID)
	pa := f.ci.Latest(t, a.IID, 0, wait)
	f.ci.Latest(t, b.IID, 0, wait)
	merged, _, err := f.gl.MergeRequests.AcceptMergeRequest(f.pid, b.IID, nil)
	require.NoError(t, err)
	require.Equal(t, "merged", merged.State)
	f.ci.Decide(func(servertest.Pipeline) string { return "success" })
	f.ci.Report(pa, "success") // tested on the old main: it must not land as it is
	car := f.waitMerged(t, a.IID)
	require.NotEqual(t, pa.SHA, car.Pipeline.SHA, "a was rebuilt on the main b's merge left")
	require.Equal(t, []string{merged.MergeCommitSHA, a.SHA}, f.parents(t, car.Pipeline.SHA))
	require.Empty(t, f.dropNotes(t, a.IID))
	bCar, _ := f.car(t, b.IID)
	require.Equal(t, "skip_merged", bCar.Status)
	require.Empty(t, f.dropNotes(t, b.IID))
}

// TestResetToAnEarlierMergeRebuilds: main is reset to a commit an earlier
// car merged. That is not the push the car behind was built on: it is
// rebuilt on the reset main and merges; it is not dropped (the old engine
// took the reset for a known push, then dropped the car at its merge).
func TestResetToAnEarlierMergeRebuilds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{})
	f.ci.Decide(func(servertest.Pipeline) string { return "success" })
	a := f.openMR(t, "a")
	f.add(t, a.IID)
	carA := f.waitMerged(t, a.IID)
	c := f.openMR(t, "c")
	f.add(t, c.IID)
	f.waitMerged(t, c.IID)
	f.ci.Decide(nil)
	b := f.openMR(t, "b")
	f.add(t, b.IID)
	pb := f.ci.Latest(t, b.IID, 0, wait)
	f.work.Git("fetch", "--quiet", "origin", "main") // a's merge is in main's history
	f.work.Git("push", "--quiet", "--force", "origin", carA.Pipeline.SHA+":refs/heads/main")
	pb2 := f.ci.Latest(t, b.IID, pb.ID, wait)
	require.Equal(t, []string{carA.Pipeline.SHA, b.SHA}, f.parents(t, pb2.SHA), "b rebuilt on the reset main")
	f.ci.Report(pb, "success") // tested on the main before the reset: must not land
	f.ci.Report(pb2, "success")
	car := f.waitMerged(t, b.IID)
	require.Equal(t, pb2.SHA, car.Pipeline.SHA)
	require.Empty(t, f.dropNotes(t, b.IID))
}

// TestAutoMergeArmsWhilePipelineRuns is issue's auto-merge: PUT .../merge
// with auto_merge (or merge_when_pipeline_succeeds) while the head pipeline
// runs arms it; the merge request stays open, merges once the pipeline
// passes, and cancel_merge_when_pipeline_succeeds disarms it.
func TestAutoMergeArmsWhilePipelineRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{OnlyAllowMergeIfPipelineSucceeds: gitlab.Ptr(true)})
	_, _, err := f.gl.Projects.EditProject(f.pid, &gitlab.EditProjectOptions{MergeTrainsEnabled: gitlab.Ptr(false)})
	require.NoError(t, err)
	for i, opts := range []*gitlab.AcceptMergeRequestOptions{
		{AutoMerge: gitlab.Ptr(true)},
		{MergeWhenPipelineSucceeds: gitlab.Ptr(true)},
	} {
		branch := "armed" + itoa(i)
		sha := f.work.Push(branch, "main", map[string]string{branch + ".txt": "x\n"})
		f.work.Checkout("main")
		mr, _, err := f.gl.MergeRequests.CreateMergeRequest(f.pid, &gitlab.CreateMergeRequestOptions{
			SourceBranch: gitlab.Ptr(branch), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr(branch),
		})
		require.NoError(t, err)
		_, _, err = f.gl.Commits.SetCommitStatus(f.pid, sha, &gitlab.SetCommitStatusOptions{State: gitlab.Running, Name: gitlab.Ptr("test")})
		require.NoError(t, err)

		armed, res, err := f.gl.MergeRequests.AcceptMergeRequest(f.pid, mr.IID, opts)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "opened", armed.State, "armed, not merged")
		require.True(t, armed.MergeWhenPipelineSucceeds)
		require.NotNil(t, armed.MergeUser)
		require.Equal(t, "root", armed.MergeUser.Username)

		_, _, err = f.gl.Commits.SetCommitStatus(f.pid, sha, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr("test")})
		require.NoError(t, err)
		require.Eventually(t, func() bool { return f.state(t, mr.IID) == "merged" }, wait, 20*time.Millisecond, "merges once the pipeline passes")
	}

	// Disarmed before the pipeline passes, it does not merge.
	sha := f.work.Push("disarmed", "main", map[string]string{"disarmed.txt": "x\n"})
	f.work.Checkout("main")
	mr, _, err := f.gl.MergeRequests.CreateMergeRequest(f.pid, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr("disarmed"), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("disarmed"),
	})
	require.NoError(t, err)
	_, _, err = f.gl.Commits.SetCommitStatus(f.pid, sha, &gitlab.SetCommitStatusOptions{State: gitlab.Running, Name: gitlab.Ptr("test")})
	require.NoError(t, err)
	_, _, err = f.gl.MergeRequests.AcceptMergeRequest(f.pid, mr.IID, nil)
	requireStatus(t, err, http.StatusMethodNotAllowed) // without auto_merge, a running pipeline that must pass refuses
	_, _, err = f.gl.MergeRequests.AcceptMergeRequest(f.pid, mr.IID, &gitlab.AcceptMergeRequestOptions{AutoMerge: gitlab.Ptr(true)})
	require.NoError(t, err)
	cancelled, res, err := f.gl.MergeRequests.CancelMergeWhenPipelineSucceeds(f.pid, mr.IID)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	require.False(t, cancelled.MergeWhenPipelineSucceeds)
	_, _, err = f.gl.Commits.SetCommitStatus(f.pid, sha, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr("test")})
	require.NoError(t, err)
	_, _, err = f.gl.MergeRequests.CancelMergeWhenPipelineSucceeds(f.pid, mr.IID)
	requireStatus(t, err, http.StatusNotAcceptable) // nothing left to cancel
	time.Sleep(300 * time.Millisecond)              // room for a wrong merge to happen
	require.Equal(t, "opened", f.state(t, mr.IID), "disarmed: it waits for a person")
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCarsLandAfterAMergeThatSkippedTheTrain: with merge_trains_skip_train_
// allowed, m, last on the train behind a and b, merges immediately. a lands
// by merging onto the main m's merge left, and b, built on a's train commit,
// keeps its pipeline and lands after it. The old engine took a's landing for
// a push it did not know when b's turn came, and dropped b ("the target
// branch moved").
func TestCarsLandAfterAMergeThatSkippedTheTrain(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{MergeTrainsSkipTrainAllowed: gitlab.Ptr(true)})
	a, b, m := f.openMR(t, "a"), f.openMR(t, "b"), f.openMR(t, "m")
	for _, mr := range []*gitlab.MergeRequest{a, b, m} {
		f.add(t, mr.IID)
	}
	pa := f.ci.Latest(t, a.IID, 0, wait)
	pb := f.ci.Latest(t, b.IID, 0, wait)
	f.ci.Latest(t, m.IID, 0, wait)
	merged, _, err := f.gl.MergeRequests.AcceptMergeRequest(f.pid, m.IID, nil)
	require.NoError(t, err)
	require.Equal(t, "merged", merged.State)
	f.ci.Report(pa, "success")
	carA := f.waitMerged(t, a.IID)
	require.Equal(t, pa.ID, carA.Pipeline.ID, "a kept its pipeline over m's merge")
	f.ci.Report(pb, "success")
	carB := f.waitMerged(t, b.IID)
	require.Equal(t, pb.ID, carB.Pipeline.ID, "b kept its pipeline over m's merge and a's landing")
	for _, mr := range []*gitlab.MergeRequest{a, b, m} {
		require.Empty(t, f.dropNotes(t, mr.IID), "!%d", mr.IID)
	}
	f.work.Git("fetch", "--quiet", "origin", "main")
	for _, mr := range []*gitlab.MergeRequest{a, b, m} {
		_, err := f.work.TryGit("merge-base", "--is-ancestor", mr.SHA, "FETCH_HEAD")
		require.NoError(t, err, "main holds !%d", mr.IID)
	}
}
