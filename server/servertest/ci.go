package servertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/sdk/go/receiver"
)

// CI stands in for a CI system in tests: it receives pipeline hooks over
// real HTTP, checks their token and signature, remembers each pipeline it
// is told about, and reports job results through GitLab's commit status
// API with GitLab's own Go client, as a GitLab CI integration would.
type CI struct {
	// URL is where the project hook should point.
	URL string
	// HookToken is the token the hook must be created with.
	HookToken string

	t        testing.TB
	apiToken string

	mu        sync.Mutex
	pipelines map[int64]Pipeline
	order     []int64
	decide    func(Pipeline) string
	changed   chan struct{}
	client    *gitlab.Client
}

// Pipeline is a pipeline as a hook announced it.
type Pipeline struct {
	ID  int64
	Ref string
	SHA string
	// MergeRequestIID is the merge request of a merge train pipeline.
	MergeRequestIID int64
	// Project is the project id.
	Project int64
}

// trainRef matches a train pipeline's ref: a car's train commit, or a batched
// train's screen of one merge request alone.
var trainRef = regexp.MustCompile(`^refs/merge-requests/(\d+)/(?:train|screen)$`)

// NewCI starts a CI stand-in that reports to this server as the holder of
// apiToken.
func (s *Server) NewCI(t testing.TB, apiToken string) *CI { return NewCI(t, s.URL, apiToken) }

// NewCI starts a CI stand-in that reports to the server at baseURL as the
// holder of apiToken.
func NewCI(t testing.TB, baseURL, apiToken string) *CI {
	t.Helper()
	ci := &CI{
		HookToken: "ci-hook-token", t: t, apiToken: apiToken,
		pipelines: map[int64]Pipeline{}, changed: make(chan struct{}),
	}
	ci.ReportTo(baseURL)
	verifier := receiver.NewVerifier([]byte(ci.HookToken))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := verifier.Verify(r)
		if err != nil {
			t.Errorf("ci: hook signature: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Header.Get("X-Gitlab-Token") != ci.HookToken || r.Header.Get("X-Gitlab-Event") != "Pipeline Hook" {
			t.Errorf("ci: hook headers token=%q event=%q", r.Header.Get("X-Gitlab-Token"), r.Header.Get("X-Gitlab-Event"))
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		var ev struct {
			ObjectKind string `json:"object_kind"`
			Attrs      struct {
				ID     int64  `json:"id"`
				Ref    string `json:"ref"`
				SHA    string `json:"sha"`
				Status string `json:"status"`
			} `json:"object_attributes"`
			Project struct {
				ID int64 `json:"id"`
			} `json:"project"`
		}
		if err := json.Unmarshal(body, &ev); err != nil || ev.ObjectKind != "pipeline" {
			t.Errorf("ci: hook body %s: %v", body, err)
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		if ev.Attrs.Status != "created" {
			return // only new pipelines are work
		}
		p := Pipeline{ID: ev.Attrs.ID, Ref: ev.Attrs.Ref, SHA: ev.Attrs.SHA, Project: ev.Project.ID}
		if m := trainRef.FindStringSubmatch(p.Ref); m != nil {
			p.MergeRequestIID, _ = strconv.ParseInt(m[1], 10, 64)
		}
		ci.mu.Lock()
		_, seen := ci.pipelines[p.ID]
		if !seen {
			ci.pipelines[p.ID] = p
			ci.order = append(ci.order, p.ID)
			close(ci.changed)
			ci.changed = make(chan struct{})
		}
		decide := ci.decide
		ci.mu.Unlock()
		if !seen && decide != nil {
			if state := decide(p); state != "" {
				go ci.Report(p, state)
			}
		}
	}))
	t.Cleanup(srv.Close)
	ci.URL = srv.URL
	return ci
}

// ReportTo sends later reports to another server (another replica).
func (ci *CI) ReportTo(baseURL string) {
	client, err := gitlab.NewClient(ci.apiToken, gitlab.WithBaseURL(baseURL+"/api/v4"))
	if err != nil {
		ci.t.Fatal(err)
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.client = client
}

// Decide makes the CI report on each new pipeline by itself: decide returns
// the final state ("success", "failed"), or "" to leave it to the test.
func (ci *CI) Decide(decide func(Pipeline) string) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.decide = decide
}

// Report runs a job named "test" on the pipeline: running, then state.
func (ci *CI) Report(p Pipeline, state string) {
	ci.mu.Lock()
	client := ci.client
	ci.mu.Unlock()
	for _, s := range []string{"running", state} {
		_, _, err := client.Commits.SetCommitStatus(p.Project, p.SHA, &gitlab.SetCommitStatusOptions{
			State: gitlab.BuildStateValue(s), Name: gitlab.Ptr("test"), PipelineID: gitlab.Ptr(p.ID),
			TargetURL: gitlab.Ptr(fmt.Sprintf("https://ci.example.test/pipelines/%d", p.ID)),
		})
		if err != nil {
			ci.t.Errorf("ci: report %s on pipeline %d: %v", s, p.ID, err)
			return
		}
	}
}

// Pipelines returns every pipeline announced so far, oldest first.
func (ci *CI) Pipelines() []Pipeline {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	out := make([]Pipeline, 0, len(ci.order))
	for _, id := range ci.order {
		out = append(out, ci.pipelines[id])
	}
	return out
}

// Latest returns the newest pipeline announced for a merge request's train
// ref, waiting up to timeout for one newer than after (an id; 0 for any).
func (ci *CI) Latest(t testing.TB, iid, after int64, timeout time.Duration) Pipeline {
	t.Helper()
	deadline := time.After(timeout)
	for {
		ci.mu.Lock()
		var found Pipeline
		for _, id := range ci.order {
			if p := ci.pipelines[id]; p.MergeRequestIID == iid && id > after {
				found = p
			}
		}
		changed := ci.changed
		ci.mu.Unlock()
		if found.ID != 0 {
			return found
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("ci: no pipeline for !%d after pipeline %d within %s; have %+v", iid, after, timeout, ci.Pipelines())
		}
	}
}
