//go:build unix

package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// These tests feed the server strings that are not UTF-8, the way a
// Developer can: through git (a file name, a commit's author and message, a
// branch name) and through the API doors. Git's bytes come out as valid
// UTF-8 with each bad sequence replaced by U+FFFD (gitrepo.Display); a
// request holding such a string is refused with GitLab's 400 and changes
// nothing; and the server never stops.

// Invalid UTF-8, as git stores it and as the server shows it.
const (
	badPath       = "\xff.txt"
	badPathShown  = "\uFFFD.txt"
	badAuthor     = "Ren\xe9e" // Latin-1
	badAuthorShow = "Ren\uFFFDe"
	badEmail      = "ren\xe9e@example.test"
	badEmailShown = "ren\uFFFDe@example.test"
	badMessage    = "Caf\xe9 \xe2\x82\n\nbody \xff\n" // a euro sign cut short is one U+FFFD
	badMsgShown   = "Caf\uFFFD \uFFFD\n\nbody \uFFFD\n"
	badTitleShown = "Caf\uFFFD \uFFFD"
	badBranch     = "\xff"
)

// gitRemote is root/demo's URL with root's token in it.
func gitRemote(base string) string {
	return strings.Replace(base, "http://", "http://root:"+rootToken+"@", 1) + "/root/demo.git"
}

// writeFiles writes files into w's work tree and stages everything.
func writeFiles(t *testing.T, w *gitrepotest.Worktree, files map[string]string) {
	t.Helper()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(w.Dir, name), []byte(content), 0o644))
	}
	w.Git("add", "--all")
}

// rawCommit writes the staged tree of w as a commit object byte for byte,
// as any git client can (git commit itself would take the message for
// Latin-1 and convert it), and checks it out.
func rawCommit(t *testing.T, w *gitrepotest.Worktree, author, message string) string {
	t.Helper()
	tree := w.Git("write-tree")
	stamp := " <" + badEmail + "> 1767323045 +0100"
	obj := "tree " + tree + "\nparent " + w.Git("rev-parse", "HEAD") + "\nauthor " + author + stamp + "\ncommitter " + author + stamp + "\n\n" + message
	cmd := exec.Command("git", "hash-object", "-t", "commit", "-w", "--stdin")
	cmd.Dir = w.Dir
	cmd.Env = gitrepotest.Env(t.TempDir())
	cmd.Stdin = strings.NewReader(obj)
	out, err := cmd.Output()
	require.NoError(t, err)
	sha := strings.TrimSpace(string(out))
	w.Git("reset", "--quiet", "--hard", sha)
	return sha
}

// bodyReceiver records the bodies it is sent and answers 200.
type bodyReceiver struct {
	*httptest.Server
	bodies chan []byte
}

func newBodyReceiver(t *testing.T) *bodyReceiver {
	r := &bodyReceiver{bodies: make(chan []byte, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.bodies <- b
	}))
	t.Cleanup(r.Close)
	return r
}

// requireRunning fails unless the server process is still running.
func requireRunning(t *testing.T, srv *harness.Server) {
	t.Helper()
	err, exited := srv.Wait(100 * time.Millisecond)
	require.False(t, exited, "the server exited: %v", err)
	require.NotContains(t, srv.Output(), "panic", "nothing panicked, even recovered")
}

// TestGitBytesThatAreNotUTF8 pushes a commit whose author, email, message
// and file name are not UTF-8, and a branch whose name is not either; opens
// a merge request for it; and reads it back through every door. The check
// receives valid JSON with U+FFFD where the bad bytes were; branch listings
// answer on REST and Connect (they used to fail on Connect, whose encoder
// refuses invalid UTF-8) and leave the unnameable branch out; and the
// server keeps running.
func TestGitBytesThatAreNotUTF8(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json")
	recv := newBodyReceiver(t)
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	createCheck(t, srv.URL, map[string]any{"name": "compliance", "external_url": recv.URL + "/hook"})

	w := gitrepotest.NewWorktree(t)
	w.Git("remote", "add", "origin", gitRemote(srv.URL))
	w.Checkout("main")
	w.Commit("init", map[string]string{"README": "hello\n"})
	w.Git("push", "--quiet", "origin", "main")
	w.Branch("feature", "main")
	writeFiles(t, w, map[string]string{badPath: "odd\n"})
	head := rawCommit(t, w, badAuthor, badMessage)
	w.Git("push", "--quiet", "origin", "feature")
	// Git allows this name, and so may the git door; either way nothing
	// may break.
	out, err := w.TryGit("push", "origin", "HEAD:refs/heads/"+badBranch)
	t.Logf("pushing a branch not named in UTF-8: %v\n%s", err, out)

	mustAPI(t, srv.URL, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Odd bytes"})
	var body []byte
	select {
	case body = <-recv.bodies:
	case <-time.After(30 * time.Second):
		t.Fatal("the check got no delivery")
	}
	require.True(t, utf8.Valid(body) && json.Valid(body), "the payload is valid JSON in UTF-8: %q", body)
	var payload struct {
		ObjectAttributes struct {
			LastCommit struct {
				ID      string `json:"id"`
				Message string `json:"message"`
				Title   string `json:"title"`
				Author  struct {
					Name  string `json:"name"`
					Email string `json:"email"`
				} `json:"author"`
			} `json:"last_commit"`
		} `json:"object_attributes"`
	}
	require.NoError(t, json.Unmarshal(body, &payload))
	last := payload.ObjectAttributes.LastCommit
	require.Equal(t, head, last.ID)
	require.Equal(t, badMsgShown, last.Message)
	require.Equal(t, badTitleShown, last.Title)
	require.Equal(t, badAuthorShow, last.Author.Name)
	require.Equal(t, badEmailShown, last.Author.Email)

	// REST, through GitLab's own client.
	gl := gitlabClient(t, srv.URL)
	branches, _, err := gl.Branches.ListBranches(1, nil)
	require.NoError(t, err)
	names := map[string]*gitlab.Branch{}
	for _, b := range branches {
		names[b.Name] = b
	}
	require.Len(t, names, 2, "main and feature; the branch without a UTF-8 name is left out: %v", names)
	require.Equal(t, badAuthorShow, names["feature"].Commit.AuthorName)
	require.Equal(t, badMsgShown, names["feature"].Commit.Message)

	// Connect, whose encoder refuses a string that is not UTF-8.
	status, connectBody := connectCall(t, srv.URL, "signalbox.v1.RepositoryService/ListBranches", "application/json", []byte(`{"project":"root/demo"}`))
	require.Equal(t, http.StatusOK, status, "%s", connectBody)
	require.Contains(t, string(connectBody), `"authorName":"`+badAuthorShow+`"`)
	require.NotContains(t, string(connectBody), `"name":"\uFFFD"`)

	requireRunning(t, srv)
}

// TestTrainConflictOnAPathThatIsNotUTF8: two merge requests change the same
// file, named "\xff.txt", and join a train. The second car conflicts with
// the first; its conflict paths used to reach the store as they were,
// where the codec panicked in the train loop, and the process died on
// every start after. Now the first merges, the second leaves the train, and
// the server keeps running.
func TestTrainConflictOnAPathThatIsNotUTF8(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--allow-local-network", "--log-format", "json")
	gl := gitlabClient(t, srv.URL)
	p, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("demo")})
	require.NoError(t, err)
	_, _, err = gl.Projects.EditProject(p.ID, &gitlab.EditProjectOptions{MergeTrainsEnabled: gitlab.Ptr(true), MergePipelinesEnabled: gitlab.Ptr(true)})
	require.NoError(t, err)
	ci := servertest.NewCI(t, srv.URL, rootToken)
	ci.Decide(func(servertest.Pipeline) string { return "success" })
	_, _, err = gl.Projects.AddProjectHook(p.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(ci.URL), PipelineEvents: gitlab.Ptr(true), Token: gitlab.Ptr(ci.HookToken),
	})
	require.NoError(t, err)

	w := gitrepotest.NewWorktree(t)
	w.Git("remote", "add", "origin", gitRemote(srv.URL))
	w.Checkout("main")
	w.Commit("init", map[string]string{badPath: "base\n"})
	w.Git("push", "--quiet", "origin", "main")
	for _, b := range []string{"left", "right"} {
		w.Branch(b, "main")
		w.Commit(b, map[string]string{badPath: b + "\n"})
		w.Git("push", "--quiet", "origin", b)
	}
	left := openGreenMR(t, gl, p.ID, "left")
	right := openGreenMR(t, gl, p.ID, "right")
	for _, mr := range []*gitlab.MergeRequest{left, right} {
		_, _, err := gl.MergeTrains.AddMergeRequestToMergeTrain(p.ID, mr.IID, nil)
		require.NoError(t, err)
	}

	require.Eventually(t, func() bool {
		mr, _, err := gl.MergeRequests.GetMergeRequest(p.ID, left.IID, nil)
		return err == nil && mr.State == "merged"
	}, 60*time.Second, 100*time.Millisecond, "the first car merges")
	require.Eventually(t, func() bool {
		car, res, err := gl.MergeTrains.GetMergeRequestOnAMergeTrain(p.ID, right.IID)
		return (res != nil && res.StatusCode == http.StatusNotFound) || (err == nil && car.Status != "idle" && car.Status != "fresh" && car.Status != "stale")
	}, 60*time.Second, 100*time.Millisecond, "the conflicting car leaves the train")
	mr, _, err := gl.MergeRequests.GetMergeRequest(p.ID, right.IID, nil)
	require.NoError(t, err)
	require.Equal(t, "opened", mr.State)
	notes, _, err := gl.Notes.ListMergeRequestNotes(p.ID, right.IID, nil)
	require.NoError(t, err)
	var said []string
	for _, n := range notes {
		said = append(said, n.Body)
	}
	require.Contains(t, strings.Join(said, "\n"), badPathShown, "the note names the conflicting path as it is shown")
	requireRunning(t, srv)
}

// TestRequestsThatAreNotUTF8: GitLab's 400 "Bad Request" for a form, a JSON
// body or a query with a malformed string, and nothing is created (a form
// with a bad check name used to answer 500); Connect refuses invalid UTF-8
// in JSON and in binary messages with invalid_argument.
func TestRequestsThatAreNotUTF8(t *testing.T) {
	t.Parallel()
	redis := redistest.New(t)
	srv := harness.Start(t, binary, nil, "--redis-url", redis.URL(), "--data-dir", t.TempDir(),
		"--root-token", rootToken, "--log-format", "json")
	mustAPI(t, srv.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	checks := srv.URL + "/api/v4/projects/1/external_status_checks"

	form := url.Values{"name": {badPath}, "external_url": {"https://a.example.test/"}}
	for name, req := range map[string]func() (*http.Request, error){
		"form": func() (*http.Request, error) {
			r, err := http.NewRequest("POST", checks, strings.NewReader(form.Encode()))
			if err == nil {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return r, err
		},
		"json": func() (*http.Request, error) {
			r, err := http.NewRequest("POST", checks, strings.NewReader(`{"name":"`+badPath+`","external_url":"https://a.example.test/"}`))
			if err == nil {
				r.Header.Set("Content-Type", "application/json")
			}
			return r, err
		},
		"query": func() (*http.Request, error) { return http.NewRequest("POST", checks+"?"+form.Encode(), nil) },
	} {
		r, err := req()
		require.NoError(t, err)
		r.Header.Set("PRIVATE-TOKEN", rootToken)
		res, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s: %s", name, b)
		require.Equal(t, "text/plain", res.Header.Get("Content-Type"), name)
		require.Equal(t, "Bad Request", string(b), name)
	}
	require.JSONEq(t, `[]`, string(mustAPI(t, srv.URL, "GET", "/api/v4/projects/1/external_status_checks", nil)), "nothing was created")

	// Connect: proto3 strings must be UTF-8, in JSON and in binary alike.
	status, b := connectCall(t, srv.URL, "signalbox.v1.StatusCheckService/CreateStatusCheck", "application/json",
		[]byte(`{"project":"root/demo","name":"`+badPath+`","externalUrl":"https://a.example.test/"}`))
	require.Equal(t, http.StatusBadRequest, status, "%s", b)
	require.Contains(t, string(b), `"code":"invalid_argument"`)
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendString(msg, "root/demo")
	msg = protowire.AppendTag(msg, 2, protowire.BytesType)
	msg = protowire.AppendString(msg, badPath)
	msg = protowire.AppendTag(msg, 3, protowire.BytesType)
	msg = protowire.AppendString(msg, "https://a.example.test/")
	status, b = connectCall(t, srv.URL, "signalbox.v1.StatusCheckService/CreateStatusCheck", "application/proto", msg)
	require.Equal(t, http.StatusBadRequest, status, "%s", b)
	require.Contains(t, string(b), `"code":"invalid_argument"`)
	require.JSONEq(t, `[]`, string(mustAPI(t, srv.URL, "GET", "/api/v4/projects/1/external_status_checks", nil)), "nothing was created")
	requireRunning(t, srv)
}

// connectCall makes a unary Connect call as root and returns the status and
// body.
func connectCall(t *testing.T, base, procedure, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(callCtx(t), "POST", base+"/"+procedure, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+rootToken)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b
}
