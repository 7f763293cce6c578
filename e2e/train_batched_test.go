package e2e_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestBatchedTrainLandsTheGoodThreeOfABatchOfFour drives the batched
// strategy through REST and real git. A warm-up of 15 good merge requests
// teaches the train that failures are rare, so new cars join the chain
// without screening. Then four merge requests, one of them bad, queue
// behind a car whose test CI holds; once it lands they are tested as one
// batch, which fails; the batch is split, each car screened alone, the bad
// one dropped, and the three good ones land. The reflog of main shows it
// was only ever at commits whose pipeline passed.
func TestBatchedTrainLandsTheGoodThreeOfABatchOfFour(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	dataDir := t.TempDir()
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", dataDir, "--root-token", rootToken,
		"--allow-local-network", "--log-format", "json")
	gl := gitlabClient(t, srv.URL)
	p, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("demo")})
	require.NoError(t, err)
	_, _, err = gl.Projects.EditProject(p.ID, &gitlab.EditProjectOptions{MergeTrainsEnabled: gitlab.Ptr(true), MergePipelinesEnabled: gitlab.Ptr(true)})
	require.NoError(t, err)
	mustAPI(t, srv.URL, "PUT", "/api/v4/projects/"+itoa(p.ID)+"/merge_train_strategies", map[string]any{"strategy": "batched"})

	warm := make([]string, 15)
	for i := range warm {
		warm[i] = fmt.Sprintf("warm%02d", i)
	}
	pushBranches(t, srv.URL, append(warm, "hold", "good1", "bad", "good2", "good3")...)
	work := gitrepotest.NewWorktree(t)
	remote := strings.Replace(srv.URL, "http://", "http://root:"+rootToken+"@", 1) + "/root/demo.git"
	work.Git("fetch", "--quiet", remote, "bad")
	badHead := strings.TrimSpace(work.Git("rev-parse", "FETCH_HEAD"))

	// CI fails what holds the bad merge request, passes the rest, and holds
	// the train pipelines of the car named "hold" until told.
	var (
		mu      sync.Mutex
		passed  = map[string]bool{}
		failed  []servertest.Pipeline
		held    []servertest.Pipeline
		holding = true
		holdIID int64
	)
	ci := servertest.NewCI(t, srv.URL, rootToken)
	var gitMu sync.Mutex
	holdsBad := func(sha string) bool {
		gitMu.Lock()
		defer gitMu.Unlock()
		work.Git("fetch", "--quiet", remote, "+refs/merge-requests/*:refs/mr/*")
		_, err := work.TryGit("merge-base", "--is-ancestor", badHead, sha)
		return err == nil
	}
	decide := func(pl servertest.Pipeline) string {
		bad := holdsBad(pl.SHA)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case bad:
			failed = append(failed, pl)
			return "failed"
		case holding && pl.MergeRequestIID == holdIID && strings.HasSuffix(pl.Ref, "/train"):
			held = append(held, pl)
			return ""
		}
		passed[pl.SHA] = true
		return "success"
	}
	ci.Decide(decide)
	_, _, err = gl.Projects.AddProjectHook(p.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(ci.URL), PipelineEvents: gitlab.Ptr(true), Token: gitlab.Ptr(ci.HookToken),
	})
	require.NoError(t, err)

	join := func(branch string) *gitlab.MergeRequest {
		mr := openGreenMR(t, gl, p.ID, branch)
		_, res, err := gl.MergeTrains.AddMergeRequestToMergeTrain(p.ID, mr.IID, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, res.StatusCode)
		return mr
	}
	state := func(mr *gitlab.MergeRequest) string {
		got, _, err := gl.MergeRequests.GetMergeRequest(p.ID, mr.IID, nil)
		require.NoError(t, err)
		return got.State
	}
	var warmed []*gitlab.MergeRequest
	for _, b := range warm {
		warmed = append(warmed, join(b))
	}
	require.Eventually(t, func() bool {
		for _, mr := range warmed {
			if state(mr) != "merged" {
				return false
			}
		}
		return true
	}, 90*time.Second, 200*time.Millisecond, "the warm-up merges")

	hold := openGreenMR(t, gl, p.ID, "hold")
	mu.Lock()
	holdIID = hold.IID
	mu.Unlock()
	_, _, err = gl.MergeTrains.AddMergeRequestToMergeTrain(p.ID, hold.IID, nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(held) > 0
	}, 30*time.Second, 100*time.Millisecond, "the held car is tested")
	four := []*gitlab.MergeRequest{join("good1"), join("bad"), join("good2"), join("good3")}
	// All four are chained behind the held car before it lands.
	require.Eventually(t, func() bool {
		refs := lsRemote(t, srv.URL)
		for _, mr := range four {
			if refs[fmt.Sprintf("refs/merge-requests/%d/train", mr.IID)] == "" {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond, "the four join the chain")
	mu.Lock()
	holding = false
	release := held
	for _, pl := range release {
		passed[pl.SHA] = true
	}
	mu.Unlock()
	for _, pl := range release {
		ci.Report(pl, "success")
	}

	require.Eventually(t, func() bool {
		return state(hold) == "merged" && state(four[0]) == "merged" && state(four[2]) == "merged" && state(four[3]) == "merged"
	}, 60*time.Second, 200*time.Millisecond, "the three good ones land")
	require.Equal(t, "opened", state(four[1]), "the bad one never lands")
	notes, _, err := gl.Notes.ListMergeRequestNotes(p.ID, four[1].IID, nil)
	require.NoError(t, err)
	require.True(t, containsNote(notes, "removed this merge request from the merge train because the pipeline did not succeed"))

	// The batch of four was tested once, at its last car, and failed.
	mu.Lock()
	var batchFailed bool
	for _, pl := range failed {
		batchFailed = batchFailed || pl.MergeRequestIID == four[3].IID && strings.HasSuffix(pl.Ref, "/train")
	}
	mu.Unlock()
	require.True(t, batchFailed, "one pipeline tested the batch of four, at its last car")

	// main was only ever at tested commits (or the first push).
	log, err := os.ReadFile(filepath.Join(dataDir, "repositories", itoa(p.ID)+".git", "logs", "refs", "heads", "main"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	require.Greater(t, len(lines), 2)
	mu.Lock()
	defer mu.Unlock()
	for _, line := range lines[1:] {
		to := strings.Fields(line)[1]
		require.True(t, passed[to], "main was moved to %s, which no pipeline passed: %s", to, line)
	}
}

func containsNote(notes []*gitlab.Note, prefix string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n.Body, prefix) {
			return true
		}
	}
	return false
}
