package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// pythonGitLab is a Python interpreter that can import python-gitlab: the
// python3 on PATH, or else the system's /usr/bin/python3, which sees
// Debian's python3-gitlab when a python3 of another installation (pyenv, a
// virtualenv) comes first on PATH.
func pythonGitLab(t *testing.T) string {
	t.Helper()
	var tried []string
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, py := range candidates {
		out, err := exec.Command(py, "-c", "import gitlab; print(gitlab.__version__)").CombinedOutput()
		if err == nil {
			return py
		}
		tried = append(tried, py+": "+strings.TrimSpace(string(out)))
	}
	msg := "the python-gitlab door needs python3 with python-gitlab (apt-get install python3-gitlab); tried " + strings.Join(tried, "; ")
	if os.Getenv("SIGNALBOX_REQUIRE_PYTHON_GITLAB") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newPythonDoor speaks GitLab's REST API through python-gitlab in a Python
// process (e2e/pydoor/door.py).
func newPythonDoor(t *testing.T, base string) *lineDoor {
	py := pythonGitLab(t)
	cmd := exec.Command(py, filepath.Join(harness.RepoRoot(), "e2e/pydoor/door.py"), base, rootToken)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	return startLineDoor(t, "python-gitlab", cmd)
}

// externalCheck is GitLab's ExternalStatusCheck entity as python-gitlab
// hands it over.
type externalCheck struct {
	ID                int64            `json:"id"`
	Name              string           `json:"name"`
	ProjectID         int64            `json:"project_id"`
	ExternalURL       string           `json:"external_url"`
	ProtectedBranches []map[string]any `json:"protected_branches"`
	HMAC              bool             `json:"hmac"`
}

// TestPythonGitLabClient is what a Python bot or CI script does with
// python-gitlab 3.x against one server on a real Redis: the server's
// version, a check created, listed, edited and deleted, a merge request's
// checks answered, failed and retried, a commit status that makes the head
// pipeline pass, and a merge train that lands the merge request on main,
// seen in git.
func TestPythonGitLabClient(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json")
	py := newPythonDoor(t, srv.URL)

	// gl.version() says "unknown" for a server it cannot read.
	var version struct{ Version, Revision string }
	py.do(t, "version", nil, &version)
	require.NotEmpty(t, version.Version)
	require.NotEqual(t, "unknown", version.Version, "gl.version() read GET /version")
	require.NotEqual(t, "unknown", version.Revision)

	project := py.createProject(t, "py-client")
	w := gitrepotest.NewWorktree(t)
	w.Git("remote", "add", "origin", strings.Replace(srv.URL, "http://", "http://root:"+rootToken+"@", 1)+"/"+project+".git")
	w.Checkout("main")
	w.Commit("init", map[string]string{"README": "hello\n"})
	w.Git("push", "--quiet", "origin", "main")
	w.Branch("feature", "main")
	featureSHA := w.Commit("feature", map[string]string{"feature.txt": "v1\n"})
	w.Git("push", "--quiet", "origin", "feature")

	// Checks: created with secrets that never come back, listed, edited,
	// deleted; a second delete is GitLab's 404.
	receiver := newSignedReceiver(t, "py-secret")
	var kept, dropped externalCheck
	py.do(t, "addCheck", map[string]any{"project": project, "name": "lint", "url": receiver.URL, "secret": "py-secret"}, &kept)
	py.do(t, "addCheck", map[string]any{"project": project, "name": "legacy", "url": "https://legacy.example.com/check", "secret": "old-secret"}, &dropped)
	require.True(t, kept.HMAC)
	require.Equal(t, "lint", kept.Name)
	require.Equal(t, receiver.URL, kept.ExternalURL)
	var listed []externalCheck
	py.do(t, "listChecks", map[string]any{"project": project}, &listed)
	require.Equal(t, []externalCheck{kept, dropped}, listed)

	var edited externalCheck
	py.do(t, "updateCheck", map[string]any{"project": project, "check": dropped.ID,
		"fields": map[string]any{"name": "legacy-v2", "external_url": "https://legacy.example.com/v2"}}, &edited)
	require.Equal(t, "legacy-v2", edited.Name)
	require.Equal(t, "https://legacy.example.com/v2", edited.ExternalURL)
	require.True(t, edited.HMAC, "an edit that leaves the secret out keeps it")
	var deleted struct{ Status int }
	py.do(t, "deleteCheck", map[string]any{"project": project, "check": dropped.ID}, &deleted)
	require.Equal(t, 204, deleted.Status)
	errText, code := py.try(t, "deleteCheck", map[string]any{"project": project, "check": dropped.ID}, nil)
	require.Equal(t, "404", code, errText)
	py.do(t, "listChecks", map[string]any{"project": project}, &listed)
	require.Equal(t, []externalCheck{kept}, listed)

	// A merge request: its check is asked, answered failed, retried, then
	// answered passed.
	iid, sha := py.openMR(t, project, "feature", "main", "Add feature")
	require.Equal(t, featureSHA, sha)
	var mrChecks []struct {
		ID                  int64
		Name, Status        string
		ExternalURL         string `json:"external_url"`
		SharedSecretPresent any    `json:"shared_secret"`
	}
	py.do(t, "mrStatusChecks", map[string]any{"project": project, "iid": iid}, &mrChecks)
	require.Len(t, mrChecks, 1)
	require.Equal(t, kept.ID, mrChecks[0].ID)
	require.Equal(t, "pending", mrChecks[0].Status)
	require.Nil(t, mrChecks[0].SharedSecretPresent)
	receiver.await(t, iid, sha, 1)

	var response struct {
		ID           int64
		MergeRequest struct {
			IID int64
			SHA string
		} `json:"merge_request"`
		ExternalStatusCheck externalCheck `json:"external_status_check"`
	}
	py.do(t, "respond", map[string]any{"project": project, "iid": iid, "check": kept.ID, "sha": sha, "status": "failed"}, &response)
	require.Equal(t, iid, response.MergeRequest.IID)
	require.Equal(t, kept, response.ExternalStatusCheck)
	require.Equal(t, map[int64]string{kept.ID: "failed"}, py.checkStatuses(t, project, iid))
	var retried struct{ Message string }
	py.do(t, "retry", map[string]any{"project": project, "iid": iid, "check": kept.ID}, &retried)
	require.Equal(t, "202 Accepted", retried.Message)
	require.Equal(t, map[int64]string{kept.ID: "pending"}, py.checkStatuses(t, project, iid))
	receiver.await(t, iid, sha, 2)
	py.respond(t, project, iid, kept.ID, sha, "passed")
	require.Equal(t, map[int64]string{kept.ID: "passed"}, py.checkStatuses(t, project, iid))
	errText, code = py.try(t, "retry", map[string]any{"project": project, "iid": iid, "check": kept.ID}, nil)
	require.Equal(t, "422", code, "only a failed check is retried: %s", errText)
	require.Contains(t, errText, "External status check must be failed")

	// The head pipeline passes through commits.get(sha).statuses.create;
	// the merge request joins the train, whose pipeline CI passes, and it
	// lands on main.
	py.updateProject(t, project, settings{checksMustPass: ptr(true), trainsEnabled: ptr(true)})
	ci := servertest.NewCI(t, srv.URL, rootToken)
	py.addHook(t, project, ci.URL, ci.HookToken)
	ci.Decide(func(servertest.Pipeline) string { return "success" })
	var status struct{ Status, SHA, Name string }
	py.do(t, "setCommitStatus", map[string]any{"project": project, "sha": sha, "state": "success"}, &status)
	require.Equal(t, struct{ Status, SHA, Name string }{"success", sha, "test"}, status)
	var statuses []struct{ Name, Status, SHA string }
	py.do(t, "commitStatuses", map[string]any{"project": project, "sha": sha}, &statuses)
	require.Equal(t, []struct{ Name, Status, SHA string }{{"test", "success", sha}}, statuses)

	var added struct {
		OnTrain bool
		Status  int
		Cars    []struct {
			MergeRequest struct{ IID int64 } `json:"merge_request"`
		}
	}
	py.do(t, "addToTrain", map[string]any{"project": project, "iid": iid}, &added)
	require.True(t, added.OnTrain, "201: the head pipeline and the checks passed")
	require.Equal(t, 201, added.Status)
	require.Len(t, added.Cars, 1)
	require.Equal(t, iid, added.Cars[0].MergeRequest.IID)

	require.Eventually(t, func() bool { return py.car(t, project, iid) == "merged" },
		60*time.Second, 100*time.Millisecond, "the car merges once CI passed its train commit")
	var state struct {
		State          string
		MergeCommitSHA string `json:"merge_commit_sha"`
	}
	py.do(t, "mrState", map[string]any{"project": project, "iid": iid}, &state)
	require.Equal(t, "merged", state.State)
	var merged []struct {
		IID          int64
		Status       string
		TargetBranch string `json:"target_branch"`
	}
	py.do(t, "trainCars", map[string]any{"project": project, "scope": "complete"}, &merged)
	require.Len(t, merged, 1)
	require.Equal(t, iid, merged[0].IID)
	require.Equal(t, "merged", merged[0].Status)
	require.Equal(t, "main", merged[0].TargetBranch)

	// In git: main moved to a commit that holds the feature, the one the
	// branch API names.
	var head struct{ SHA string }
	py.do(t, "branchHead", map[string]any{"project": project, "branch": "main"}, &head)
	w.Git("fetch", "--quiet", "origin", "main")
	require.Equal(t, head.SHA, w.Git("rev-parse", "FETCH_HEAD"))
	w.Git("merge-base", "--is-ancestor", featureSHA, "FETCH_HEAD")
	require.Equal(t, "v1\n", w.Git("show", "FETCH_HEAD:feature.txt")+"\n")
}
