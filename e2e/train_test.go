package e2e_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestTrainSurvivesSIGKILLMidMerge kills replica A with SIGKILL at the worst
// moment of a merge: main already points at the car's tested commit, and
// nothing is recorded yet. Replica B, on the same Redis and data directory,
// takes the train over once A's lease lapses: the car is recorded merged
// without main moving again, and the next car merges on top of it.
func TestTrainSurvivesSIGKILLMidMerge(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	dataDir := t.TempDir()
	args := []string{"--redis-url", redis.URL(), "--data-dir", dataDir, "--root-token", rootToken,
		"--allow-local-network", "--log-format", "json"}
	a := harness.Start(t, binary, []string{"SIGNALBOX_CRASH_AT=train.merge.moved"}, args...)
	gl := gitlabClient(t, a.URL)

	p, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("demo")})
	require.NoError(t, err)
	_, _, err = gl.Projects.EditProject(p.ID, &gitlab.EditProjectOptions{MergeTrainsEnabled: gitlab.Ptr(true), MergePipelinesEnabled: gitlab.Ptr(true)})
	require.NoError(t, err)
	ci := servertest.NewCI(t, a.URL, rootToken)
	ci.Decide(func(servertest.Pipeline) string { return "success" })
	_, _, err = gl.Projects.AddProjectHook(p.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(ci.URL), PipelineEvents: gitlab.Ptr(true), Token: gitlab.Ptr(ci.HookToken),
	})
	require.NoError(t, err)
	pushBranches(t, a.URL, "one", "two")
	one := openGreenMR(t, gl, p.ID, "one")
	_, res, err := gl.MergeTrains.AddMergeRequestToMergeTrain(p.ID, one.IID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.StatusCode)

	// CI passes the car; A moves main and dies.
	_, exited := a.Wait(30 * time.Second)
	require.True(t, exited, "replica A never reached the crash point")
	require.Contains(t, a.Output(), "crash point reached")
	tested := ci.Latest(t, one.IID, 0, time.Second)

	b := harness.Start(t, binary, nil, args...)
	gl = gitlabClient(t, b.URL)
	ci.ReportTo(b.URL)
	require.Equal(t, tested.SHA, lsRemote(t, b.URL)["refs/heads/main"], "A moved main before it died")
	car, _, err := gl.MergeTrains.GetMergeRequestOnAMergeTrain(p.ID, one.IID)
	require.NoError(t, err)
	require.Equal(t, "merging", car.Status, "the car is neither lost nor recorded yet")

	require.Eventually(t, func() bool {
		car, _, err = gl.MergeTrains.GetMergeRequestOnAMergeTrain(p.ID, one.IID)
		return err == nil && car.Status == "merged"
	}, 45*time.Second, 100*time.Millisecond, "replica B takes the train over")
	mr, _, err := gl.MergeRequests.GetMergeRequest(p.ID, one.IID, nil)
	require.NoError(t, err)
	require.Equal(t, "merged", mr.State)
	require.Equal(t, tested.SHA, mr.MergeCommitSHA)

	// The train goes on, and main holds each merge exactly once.
	two := openGreenMR(t, gl, p.ID, "two")
	_, _, err = gl.MergeTrains.AddMergeRequestToMergeTrain(p.ID, two.IID, nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		car, _, err := gl.MergeTrains.GetMergeRequestOnAMergeTrain(p.ID, two.IID)
		return err == nil && car.Status == "merged"
	}, 30*time.Second, 100*time.Millisecond)
	w := gitrepotest.NewWorktree(t)
	w.Git("fetch", "--quiet", strings.Replace(b.URL, "http://", "http://root:"+rootToken+"@", 1)+"/root/demo.git", "main")
	history := strings.Fields(w.Git("log", "--first-parent", "--format=%s", "FETCH_HEAD"))
	require.Equal(t, 2, strings.Count(strings.Join(history, " "), "Merge"), "two merges, none repeated: %v", history)
	require.Equal(t, 1, strings.Count(b.Output(), `"msg":"car merged","project_id":1,"mr_iid":1`))
}

func gitlabClient(t testing.TB, base string) *gitlab.Client {
	t.Helper()
	gl, err := gitlab.NewClient(rootToken, gitlab.WithBaseURL(base+"/api/v4"),
		gitlab.WithHTTPClient(&http.Client{Timeout: callTimeout}))
	require.NoError(t, err)
	return gl
}

// openGreenMR opens a merge request from branch into main whose head
// pipeline passed.
func openGreenMR(t testing.TB, gl *gitlab.Client, pid int64, branch string) *gitlab.MergeRequest {
	t.Helper()
	mr, _, err := gl.MergeRequests.CreateMergeRequest(pid, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr(branch), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Add " + branch),
	})
	require.NoError(t, err)
	_, _, err = gl.Commits.SetCommitStatus(pid, mr.SHA, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr("test")})
	require.NoError(t, err)
	return mr
}

// lsRemote is what git ls-remote shows of root/demo.
func lsRemote(t *testing.T, base string) map[string]string {
	t.Helper()
	w := gitrepotest.NewWorktree(t)
	out := w.Git("ls-remote", strings.Replace(base, "http://", "http://root:"+rootToken+"@", 1)+"/root/demo.git")
	refs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		sha, ref, _ := strings.Cut(line, "\t")
		refs[ref] = sha
	}
	return refs
}
