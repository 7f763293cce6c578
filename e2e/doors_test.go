package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
	"google.golang.org/protobuf/proto"

	"github.com/signalbox/signalbox/e2e/harness"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// callTimeout bounds each call a door makes, so that a server that stops
// answering fails the test with an error, and the harness dumps its
// goroutines, instead of the test hanging until go test's own timeout.
const callTimeout = 30 * time.Second

// callCtx is a context for one call, bounded by callTimeout.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// grpcDoor speaks gRPC (HTTP/2, h2c) through the Go SDK.
type grpcDoor struct{ c *signalbox.Client }

func newGRPCDoor(t *testing.T, base string) door {
	c, err := signalbox.New(base, signalbox.WithToken(rootToken), signalbox.WithGRPC())
	require.NoError(t, err)
	return grpcDoor{c}
}

func (d grpcDoor) createProject(t *testing.T, name string) string {
	res, err := d.c.Projects.CreateProject(callCtx(t), &signalboxv1.CreateProjectRequest{Name: name})
	require.NoError(t, err)
	return res.GetProject().GetPathWithNamespace()
}

func (d grpcDoor) updateProject(t *testing.T, project string, s settings) {
	_, err := d.c.Projects.UpdateProject(callCtx(t), &signalboxv1.UpdateProjectRequest{Project: project,
		Settings: &signalboxv1.ProjectSettingsPatch{OnlyAllowMergeIfAllStatusChecksPassed: s.checksMustPass, MergeTrainsEnabled: s.trainsEnabled}})
	require.NoError(t, err)
}

func (d grpcDoor) addCheck(t *testing.T, project, name, u, secret string) int64 {
	res, err := d.c.StatusChecks.CreateStatusCheck(callCtx(t), &signalboxv1.CreateStatusCheckRequest{
		Project: project, Name: proto.String(name), ExternalUrl: proto.String(u), SharedSecret: proto.String(secret)})
	require.NoError(t, err)
	return res.GetCheck().GetId()
}

func (d grpcDoor) addHook(t *testing.T, project, u, token string) {
	_, err := d.c.Pipelines.CreateProjectHook(callCtx(t), &signalboxv1.CreateProjectHookRequest{Project: project, Url: u, Token: token, PipelineEvents: true})
	require.NoError(t, err)
}

func (d grpcDoor) openMR(t *testing.T, project, source, target, title string) (int64, string) {
	res, err := d.c.MergeRequests.CreateMergeRequest(callCtx(t), &signalboxv1.CreateMergeRequestRequest{
		Project: project, SourceBranch: source, TargetBranch: target, Title: title})
	require.NoError(t, err)
	return res.GetMergeRequest().GetIid(), res.GetMergeRequest().GetSha()
}

func (d grpcDoor) checkStatuses(t *testing.T, project string, iid int64) map[int64]string {
	out := map[int64]string{}
	for c, err := range d.c.AllMergeRequestStatusChecks(callCtx(t), &signalboxv1.ListMergeRequestStatusChecksRequest{Project: project, MergeRequestIid: iid}) {
		require.NoError(t, err)
		out[c.GetId()] = strings.ToLower(strings.TrimPrefix(c.GetStatus().String(), "STATUS_CHECK_STATUS_"))
	}
	return out
}

func (d grpcDoor) respond(t *testing.T, project string, iid, check int64, sha, status string) {
	st := signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED
	if status == "passed" {
		st = signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED
	}
	_, err := d.c.StatusChecks.SetStatusCheckResponse(callCtx(t), &signalboxv1.SetStatusCheckResponseRequest{
		Project: project, MergeRequestIid: iid, ExternalStatusCheckId: check, Sha: proto.String(sha), Status: st})
	require.NoError(t, err)
}

func (d grpcDoor) retry(t *testing.T, project string, iid, check int64) {
	_, err := d.c.StatusChecks.RetryStatusCheck(callCtx(t), &signalboxv1.RetryStatusCheckRequest{Project: project, MergeRequestIid: iid, ExternalStatusCheckId: check})
	require.NoError(t, err)
}

func (d grpcDoor) merge(t *testing.T, project string, iid int64) bool {
	_, err := d.c.MergeRequests.MergeMergeRequest(callCtx(t), &signalboxv1.MergeMergeRequestRequest{Project: project, MergeRequestIid: iid})
	if connect.CodeOf(err) == connect.CodeFailedPrecondition {
		return true
	}
	require.NoError(t, err)
	return false
}

func (d grpcDoor) setCommitStatus(t *testing.T, project, sha, state string) {
	st := signalboxv1.PipelineStatus_PIPELINE_STATUS_FAILED
	if state == "success" {
		st = signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS
	}
	_, err := d.c.Pipelines.SetCommitStatus(callCtx(t), &signalboxv1.SetCommitStatusRequest{Project: project, Sha: sha, Name: "test", State: st})
	require.NoError(t, err)
}

func (d grpcDoor) addToTrain(t *testing.T, project string, iid int64) {
	res, err := d.c.MergeTrains.AddToMergeTrain(callCtx(t), &signalboxv1.AddToMergeTrainRequest{Project: project, MergeRequestIid: iid})
	require.NoError(t, err)
	require.True(t, res.GetOnTrain())
}

func (d grpcDoor) car(t *testing.T, project string, iid int64) string {
	res, err := d.c.MergeTrains.GetMergeTrainCar(callCtx(t), &signalboxv1.GetMergeTrainCarRequest{Project: project, MergeRequestIid: iid})
	if signalbox.IsNotFound(err) {
		return ""
	}
	require.NoError(t, err)
	return strings.ToLower(strings.TrimPrefix(res.GetCar().GetStatus().String(), "MERGE_TRAIN_CAR_STATUS_"))
}

func (d grpcDoor) mrState(t *testing.T, project string, iid int64) string {
	res, err := d.c.MergeRequests.GetMergeRequest(callCtx(t), &signalboxv1.GetMergeRequestRequest{Project: project, MergeRequestIid: iid})
	require.NoError(t, err)
	return strings.ToLower(strings.TrimPrefix(res.GetMergeRequest().GetState().String(), "MERGE_REQUEST_STATE_"))
}

// gitLabDoor speaks GitLab's REST API through GitLab's own Go client.
type gitLabDoor struct{ gl *gitlab.Client }

func newGitLabDoor(t *testing.T, base string) door { return gitLabDoor{gitlabClient(t, base)} }

func (d gitLabDoor) createProject(t *testing.T, name string) string {
	p, _, err := d.gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr(name)})
	require.NoError(t, err)
	return p.PathWithNamespace
}

func (d gitLabDoor) updateProject(t *testing.T, project string, s settings) {
	_, _, err := d.gl.Projects.EditProject(project, &gitlab.EditProjectOptions{
		OnlyAllowMergeIfAllStatusChecksPassed: s.checksMustPass, MergeTrainsEnabled: s.trainsEnabled})
	require.NoError(t, err)
}

func (d gitLabDoor) addCheck(t *testing.T, project, name, u, secret string) int64 {
	c, _, err := d.gl.ExternalStatusChecks.CreateProjectExternalStatusCheck(project, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr(name), ExternalURL: gitlab.Ptr(u), SharedSecret: gitlab.Ptr(secret)})
	require.NoError(t, err)
	require.True(t, c.HMAC)
	return c.ID
}

func (d gitLabDoor) addHook(t *testing.T, project, u, token string) {
	_, _, err := d.gl.Projects.AddProjectHook(project, &gitlab.AddProjectHookOptions{URL: gitlab.Ptr(u), Token: gitlab.Ptr(token), PipelineEvents: gitlab.Ptr(true)})
	require.NoError(t, err)
}

func (d gitLabDoor) openMR(t *testing.T, project, source, target, title string) (int64, string) {
	mr, _, err := d.gl.MergeRequests.CreateMergeRequest(project, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr(source), TargetBranch: gitlab.Ptr(target), Title: gitlab.Ptr(title)})
	require.NoError(t, err)
	return mr.IID, mr.SHA
}

func (d gitLabDoor) checkStatuses(t *testing.T, project string, iid int64) map[int64]string {
	checks, _, err := d.gl.ExternalStatusChecks.ListProjectMergeRequestExternalStatusChecks(project, iid, nil)
	require.NoError(t, err)
	out := map[int64]string{}
	for _, c := range checks {
		out[c.ID] = c.Status
	}
	return out
}

func (d gitLabDoor) respond(t *testing.T, project string, iid, check int64, sha, status string) {
	_, err := d.gl.ExternalStatusChecks.SetProjectMergeRequestExternalStatusCheckStatus(project, iid, &gitlab.SetProjectMergeRequestExternalStatusCheckStatusOptions{
		SHA: gitlab.Ptr(sha), ExternalStatusCheckID: gitlab.Ptr(check), Status: gitlab.Ptr(status)})
	require.NoError(t, err)
}

func (d gitLabDoor) retry(t *testing.T, project string, iid, check int64) {
	_, err := d.gl.ExternalStatusChecks.RetryFailedExternalStatusCheckForProjectMergeRequest(project, iid, check, nil)
	require.NoError(t, err)
}

func (d gitLabDoor) merge(t *testing.T, project string, iid int64) bool {
	_, res, err := d.gl.MergeRequests.AcceptMergeRequest(project, iid, nil)
	if res != nil && res.StatusCode == http.StatusMethodNotAllowed {
		return true
	}
	require.NoError(t, err)
	return false
}

func (d gitLabDoor) setCommitStatus(t *testing.T, project, sha, state string) {
	_, _, err := d.gl.Commits.SetCommitStatus(project, sha, &gitlab.SetCommitStatusOptions{State: gitlab.BuildStateValue(state), Name: gitlab.Ptr("test")})
	require.NoError(t, err)
}

func (d gitLabDoor) addToTrain(t *testing.T, project string, iid int64) {
	_, res, err := d.gl.MergeTrains.AddMergeRequestToMergeTrain(project, iid, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.StatusCode)
}

func (d gitLabDoor) car(t *testing.T, project string, iid int64) string {
	car, res, err := d.gl.MergeTrains.GetMergeRequestOnAMergeTrain(project, iid)
	if res != nil && res.StatusCode == http.StatusNotFound {
		return ""
	}
	require.NoError(t, err)
	return car.Status
}

func (d gitLabDoor) mrState(t *testing.T, project string, iid int64) string {
	mr, _, err := d.gl.MergeRequests.GetMergeRequest(project, iid, nil)
	require.NoError(t, err)
	return mr.State
}

// curlDoor speaks GitLab's REST API with the curl binary, as a shell
// script would: form-encoded bodies, the token in PRIVATE-TOKEN.
type curlDoor struct{ base string }

func newCurlDoor(t *testing.T, base string) door {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	return curlDoor{base}
}

// call runs curl and returns the status and the decoded JSON body.
func (d curlDoor) call(t *testing.T, method, path string, form url.Values, out any) int {
	t.Helper()
	args := []string{"-sS", "--max-time", strconv.Itoa(int(callTimeout.Seconds())), "-X", method, "-H", "PRIVATE-TOKEN: " + rootToken, "-w", "\n%{http_code}"}
	for k, vs := range form {
		for _, v := range vs {
			args = append(args, "--data-urlencode", k+"="+v)
		}
	}
	raw, err := exec.Command("curl", append(args, d.base+"/api/v4"+path)...).Output()
	require.NoError(t, err)
	// -w puts the status on a line of its own after the body.
	i := strings.LastIndex(string(raw), "\n")
	require.GreaterOrEqual(t, i, 0, "curl printed no status: %q", raw)
	body, code := string(raw[:i]), strings.TrimSpace(string(raw[i+1:]))
	status, err := strconv.Atoi(code)
	require.NoError(t, err)
	if out != nil && status/100 == 2 {
		require.NoError(t, json.Unmarshal([]byte(body), out), body)
	}
	return status
}

func (d curlDoor) must(t *testing.T, method, path string, form url.Values, out any) {
	t.Helper()
	status := d.call(t, method, path, form, out)
	require.True(t, status/100 == 2, "%s %s: %d", method, path, status)
}

func projectPath(project string) string { return "/projects/" + url.PathEscape(project) }

func (d curlDoor) createProject(t *testing.T, name string) string {
	var p struct {
		Path string `json:"path_with_namespace"`
	}
	d.must(t, "POST", "/projects", url.Values{"name": {name}}, &p)
	return p.Path
}

func (d curlDoor) updateProject(t *testing.T, project string, s settings) {
	form := url.Values{}
	if s.checksMustPass != nil {
		form.Set("only_allow_merge_if_all_status_checks_passed", strconv.FormatBool(*s.checksMustPass))
	}
	if s.trainsEnabled != nil {
		form.Set("merge_trains_enabled", strconv.FormatBool(*s.trainsEnabled))
	}
	d.must(t, "PUT", projectPath(project), form, nil)
}

func (d curlDoor) addCheck(t *testing.T, project, name, u, secret string) int64 {
	var c struct {
		ID int64 `json:"id"`
	}
	d.must(t, "POST", projectPath(project)+"/external_status_checks", url.Values{"name": {name}, "external_url": {u}, "shared_secret": {secret}}, &c)
	return c.ID
}

func (d curlDoor) addHook(t *testing.T, project, u, token string) {
	d.must(t, "POST", projectPath(project)+"/hooks", url.Values{"url": {u}, "token": {token}, "pipeline_events": {"true"}}, nil)
}

func (d curlDoor) openMR(t *testing.T, project, source, target, title string) (int64, string) {
	var mr struct {
		IID int64  `json:"iid"`
		SHA string `json:"sha"`
	}
	d.must(t, "POST", projectPath(project)+"/merge_requests", url.Values{"source_branch": {source}, "target_branch": {target}, "title": {title}}, &mr)
	return mr.IID, mr.SHA
}

func (d curlDoor) checkStatuses(t *testing.T, project string, iid int64) map[int64]string {
	var checks []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	d.must(t, "GET", projectPath(project)+"/merge_requests/"+itoa(iid)+"/status_checks", nil, &checks)
	out := map[int64]string{}
	for _, c := range checks {
		out[c.ID] = c.Status
	}
	return out
}

func (d curlDoor) respond(t *testing.T, project string, iid, check int64, sha, status string) {
	d.must(t, "POST", projectPath(project)+"/merge_requests/"+itoa(iid)+"/status_check_responses",
		url.Values{"external_status_check_id": {itoa(check)}, "sha": {sha}, "status": {status}}, nil)
}

func (d curlDoor) retry(t *testing.T, project string, iid, check int64) {
	d.must(t, "POST", projectPath(project)+"/merge_requests/"+itoa(iid)+"/status_checks/"+itoa(check)+"/retry", nil, nil)
}

func (d curlDoor) merge(t *testing.T, project string, iid int64) bool {
	status := d.call(t, "PUT", projectPath(project)+"/merge_requests/"+itoa(iid)+"/merge", nil, nil)
	if status == http.StatusMethodNotAllowed {
		return true
	}
	require.Equal(t, http.StatusOK, status)
	return false
}

func (d curlDoor) setCommitStatus(t *testing.T, project, sha, state string) {
	d.must(t, "POST", projectPath(project)+"/statuses/"+sha, url.Values{"state": {state}, "name": {"test"}}, nil)
}

func (d curlDoor) addToTrain(t *testing.T, project string, iid int64) {
	require.Equal(t, http.StatusCreated, d.call(t, "POST", projectPath(project)+"/merge_trains/merge_requests/"+itoa(iid), nil, nil))
}

func (d curlDoor) car(t *testing.T, project string, iid int64) string {
	var car struct {
		Status string `json:"status"`
	}
	status := d.call(t, "GET", projectPath(project)+"/merge_trains/merge_requests/"+itoa(iid), nil, &car)
	if status == http.StatusNotFound {
		return ""
	}
	require.Equal(t, http.StatusOK, status)
	return car.Status
}

func (d curlDoor) mrState(t *testing.T, project string, iid int64) string {
	var mr struct {
		State string `json:"state"`
	}
	d.must(t, "GET", projectPath(project)+"/merge_requests/"+itoa(iid), nil, &mr)
	return mr.State
}

// newNodeDoor speaks Connect-Web through the TypeScript SDK in a Node
// process (e2e/node/door.ts, bundled with esbuild).
func newNodeDoor(t *testing.T, base string) door {
	root := harness.RepoRoot()
	esbuild := filepath.Join(root, "node_modules/.bin/esbuild")
	_, nodeErr := exec.LookPath("node")
	_, esbuildErr := os.Stat(esbuild)
	_, sdkErr := os.Stat(filepath.Join(root, "sdk/ts/node_modules/@connectrpc/connect-web"))
	if err := errors.Join(nodeErr, esbuildErr, sdkErr); err != nil {
		if os.Getenv("SIGNALBOX_REQUIRE_NODE") == "1" {
			t.Fatalf("the Node door needs node and npm ci in . and sdk/ts: %v", err)
		}
		t.Skipf("the Node door needs node and npm ci in . and sdk/ts: %v", err)
	}
	bundle := filepath.Join(t.TempDir(), "door.mjs")
	out, err := exec.Command(esbuild, filepath.Join(root, "e2e/node/door.ts"), "--bundle", "--platform=node",
		"--format=esm", "--log-level=warning", "--outfile="+bundle).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return startLineDoor(t, "node", exec.Command("node", bundle, base, rootToken))
}

// lineDoor is a door in another process, in another language, that runs
// each operation through that language's client: one JSON request per line
// on its stdin, {"id", "op", "args"}, one JSON line back on its stdout,
// {"id", "result"} or {"id", "error", "code"}. The Node door
// (e2e/node/door.ts) and the python-gitlab door (e2e/pydoor/door.py) speak
// it, with the same operations and results.
type lineDoor struct {
	name   string
	mu     sync.Mutex
	in     io.Writer
	out    *bufio.Scanner
	nextID int
	stuck  bool
}

// startLineDoor starts cmd, which speaks the line protocol; it is ended
// when t ends.
func startLineDoor(t *testing.T, name string, cmd *exec.Cmd) *lineDoor {
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return &lineDoor{name: name, in: in, out: sc}
}

// do runs one operation in the other process and decodes its result into
// out; it fails t when the operation failed.
func (d *lineDoor) do(t *testing.T, op string, args map[string]any, out any) {
	t.Helper()
	if errText, code := d.try(t, op, args, out); errText != "" {
		t.Fatalf("%s %s: %s (%s)", d.name, op, errText, code)
	}
}

// try runs one operation and returns its error and code ("" when it
// succeeded, and then its result is decoded into out).
func (d *lineDoor) try(t *testing.T, op string, args map[string]any, out any) (errText, code string) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nextID++
	req, err := json.Marshal(map[string]any{"id": d.nextID, "op": op, "args": args})
	require.NoError(t, err)
	_, err = fmt.Fprintf(d.in, "%s\n", req)
	require.NoError(t, err)
	require.False(t, d.stuck, "%s stopped answering an earlier call", d.name)
	answered := make(chan bool, 1)
	go func() { answered <- d.out.Scan() }()
	select {
	case ok := <-answered:
		require.True(t, ok, "%s exited: %v", d.name, d.out.Err())
	case <-time.After(callTimeout):
		d.stuck = true // the scan still runs; no later call may start one
		t.Fatalf("%s %s: no answer within %s", d.name, op, callTimeout)
	}
	var res struct {
		ID     int             `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
		Code   any             `json:"code"`
	}
	require.NoError(t, json.Unmarshal(d.out.Bytes(), &res))
	require.Equal(t, d.nextID, res.ID)
	if res.Error != "" {
		return res.Error, fmt.Sprint(res.Code)
	}
	if out != nil {
		require.NoError(t, json.Unmarshal(res.Result, out))
	}
	return "", ""
}

func (d *lineDoor) createProject(t *testing.T, name string) string {
	var p struct{ Path string }
	d.do(t, "createProject", map[string]any{"name": name}, &p)
	return p.Path
}

func (d *lineDoor) updateProject(t *testing.T, project string, s settings) {
	args := map[string]any{"project": project}
	if s.checksMustPass != nil {
		args["checksMustPass"] = *s.checksMustPass
	}
	if s.trainsEnabled != nil {
		args["trainsEnabled"] = *s.trainsEnabled
	}
	d.do(t, "updateProject", args, nil)
}

func (d *lineDoor) addCheck(t *testing.T, project, name, u, secret string) int64 {
	var c struct{ ID int64 }
	d.do(t, "addCheck", map[string]any{"project": project, "name": name, "url": u, "secret": secret}, &c)
	return c.ID
}

func (d *lineDoor) addHook(t *testing.T, project, u, token string) {
	d.do(t, "addHook", map[string]any{"project": project, "url": u, "token": token}, nil)
}

func (d *lineDoor) openMR(t *testing.T, project, source, target, title string) (int64, string) {
	var mr struct {
		IID int64
		SHA string
	}
	d.do(t, "openMR", map[string]any{"project": project, "source": source, "target": target, "title": title}, &mr)
	return mr.IID, mr.SHA
}

func (d *lineDoor) checkStatuses(t *testing.T, project string, iid int64) map[int64]string {
	var byID map[string]string
	d.do(t, "checkStatuses", map[string]any{"project": project, "iid": iid}, &byID)
	out := map[int64]string{}
	for id, s := range byID {
		n, err := strconv.ParseInt(id, 10, 64)
		require.NoError(t, err)
		out[n] = s
	}
	return out
}

func (d *lineDoor) respond(t *testing.T, project string, iid, check int64, sha, status string) {
	d.do(t, "respond", map[string]any{"project": project, "iid": iid, "check": check, "sha": sha, "status": status}, nil)
}

func (d *lineDoor) retry(t *testing.T, project string, iid, check int64) {
	d.do(t, "retry", map[string]any{"project": project, "iid": iid, "check": check}, nil)
}

func (d *lineDoor) merge(t *testing.T, project string, iid int64) bool {
	var r struct{ Blocked bool }
	d.do(t, "merge", map[string]any{"project": project, "iid": iid}, &r)
	return r.Blocked
}

func (d *lineDoor) setCommitStatus(t *testing.T, project, sha, state string) {
	d.do(t, "setCommitStatus", map[string]any{"project": project, "sha": sha, "state": state}, nil)
}

func (d *lineDoor) addToTrain(t *testing.T, project string, iid int64) {
	var r struct{ OnTrain bool }
	d.do(t, "addToTrain", map[string]any{"project": project, "iid": iid}, &r)
	require.True(t, r.OnTrain)
}

func (d *lineDoor) car(t *testing.T, project string, iid int64) string {
	var r struct {
		Found  bool
		Status string
	}
	d.do(t, "car", map[string]any{"project": project, "iid": iid}, &r)
	return r.Status
}

func (d *lineDoor) mrState(t *testing.T, project string, iid int64) string {
	var r struct{ State string }
	d.do(t, "mrState", map[string]any{"project": project, "iid": iid}, &r)
	return r.State
}
