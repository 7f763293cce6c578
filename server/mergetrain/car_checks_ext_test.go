package mergetrain_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/servertest"
)

// carAsks records the merge_train questions a check receives, by car sha.
type carAsks struct {
	*httptest.Server
	mu   sync.Mutex
	asks map[string]string // car sha → action
}

func newCarAsks(t *testing.T) *carAsks {
	a := &carAsks{asks: map[string]string{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			Attrs struct {
				Action string `json:"action"`
			} `json:"object_attributes"`
			MergeTrain *struct {
				CarSHA string `json:"car_sha"`
			} `json:"merge_train"`
		}
		if json.Unmarshal(body, &p) == nil && p.MergeTrain != nil {
			a.mu.Lock()
			a.asks[p.MergeTrain.CarSHA] = p.Attrs.Action
			a.mu.Unlock()
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *carAsks) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.asks)
}

func (a *carAsks) action(sha string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.asks[sha]
}

// setUpCarChecks is a train project that requires checks, with one check
// answered passed at the head of !1, and !1 on the train.
func setUpCarChecks(t *testing.T, follow bool) (*fixture, *carAsks, servertest.Pipeline) {
	t.Helper()
	f := newFixture(t, &gitlab.EditProjectOptions{OnlyAllowMergeIfAllStatusChecksPassed: gitlab.Ptr(true)})
	if follow {
		f.srv.Root(t, "PUT", "/api/v4/projects/1", map[string]any{"status_checks_follow_merge_train": true}, nil)
	}
	asks := newCarAsks(t)
	f.srv.Root(t, "POST", "/api/v4/projects/1/external_status_checks", map[string]any{"name": "policy", "external_url": asks.URL}, nil)
	f.ci.Decide(func(servertest.Pipeline) string { return "success" })
	mr := f.openMR(t, "a")
	f.srv.Root(t, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"sha": mr.SHA, "external_status_check_id": 1, "status": "passed"}, nil)
	_, _, err := f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, 1, nil)
	require.NoError(t, err)
	return f, asks, f.ci.Latest(t, 1, 0, wait)
}

// TestCarChecksKeepACarUntilTheyPass: with the setting on, a car whose
// pipeline passed waits for the check asked about its commit, shows it on
// the Connect door, and a failed answer for the car's sha (accepted by the
// GitLab endpoint) drops it with its own reason.
func TestCarChecksKeepACarUntilTheyPass(t *testing.T) {
	t.Parallel()
	f, asks, p := setUpCarChecks(t, true)
	require.Eventually(t, func() bool { return asks.action(p.SHA) == "merge_train" }, wait, 20*time.Millisecond,
		"the check is asked about the car's commit")
	sdk, err := signalbox.New(f.srv.URL, signalbox.WithToken(servertest.RootToken))
	require.NoError(t, err)
	var checks []*signalboxv1.MergeTrainCarCheck
	require.Eventually(t, func() bool {
		res, err := sdk.MergeTrains.GetMergeTrainCar(t.Context(), &signalboxv1.GetMergeTrainCarRequest{Project: "1", MergeRequestIid: 1})
		require.NoError(t, err)
		checks = res.GetCar().GetStatusChecks()
		return res.GetCar().GetPipeline().GetStatus() == signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS
	}, wait, 20*time.Millisecond)
	require.Len(t, checks, 1)
	require.Equal(t, p.SHA, checks[0].GetSha())
	require.Equal(t, signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING, checks[0].GetStatus())
	car, _ := f.car(t, 1)
	require.Equal(t, "fresh", car.Status, "its pipeline passed, its check is pending: it waits")

	status, body := f.srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"sha": strings.Repeat("0", 40), "external_status_check_id": 1, "status": "passed"})
	require.Equal(t, http.StatusConflict, status, "a sha that is neither the head nor a car's: %s", body)
	status, body = f.srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"sha": p.SHA, "external_status_check_id": 1, "status": "failed"})
	require.Equal(t, http.StatusCreated, status, string(body))

	require.Eventually(t, func() bool {
		notes, _, err := f.gl.Notes.ListMergeRequestNotes(f.pid, 1, nil)
		require.NoError(t, err)
		for _, n := range notes {
			if strings.Contains(n.Body, "because status checks failed on the merge train commit") {
				return true
			}
		}
		return false
	}, wait, 20*time.Millisecond)
	mr, _, err := f.gl.MergeRequests.GetMergeRequest(f.pid, 1, nil)
	require.NoError(t, err)
	require.Equal(t, "opened", mr.State)
	status, _ = f.srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"sha": p.SHA, "external_status_check_id": 1, "status": "passed"})
	require.Equal(t, http.StatusConflict, status, "the car left: its sha takes no answer any more")
}

// TestCarChecksOffByDefault: without the setting, GitLab's behaviour: no
// check is asked about a car, the car merges on its pipeline and the head's
// checks, and a car's sha is refused as any sha that is not the head.
func TestCarChecksOffByDefault(t *testing.T) {
	t.Parallel()
	f, asks, p := setUpCarChecks(t, false)
	f.waitMerged(t, 1)
	require.Zero(t, asks.count(), "no car question was sent")
	status, body := f.srv.Call(t, servertest.RootToken, "POST", "/api/v4/projects/1/merge_requests/1/status_check_responses",
		map[string]any{"sha": p.SHA, "external_status_check_id": 1, "status": "passed"})
	require.Equal(t, http.StatusConflict, status, string(body))
}
