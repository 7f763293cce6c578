package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestHotPathsSeeChangesFromAnotherReplica changes, through one replica,
// each record the status check hot paths read ahead (see the prefetch
// interceptor), and calls those paths on a second replica on the same
// Redis right after: the change takes effect on the very next call. Each
// call is made twice before the change, so anything a replica kept from
// an earlier call would be there to be (wrongly) used.
func TestHotPathsSeeChangesFromAnotherReplica(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	other := servertest.New(t, servertest.ReplicaOf(g.srv))
	var check struct {
		ID int64 `json:"id"`
	}
	g.srv.Root(t, "POST", "/api/v4/projects/1/external_status_checks",
		map[string]any{"name": "ci", "external_url": "https://ci.example.test/hook"}, &check)
	headSHA := func() string {
		var mr struct {
			SHA string `json:"sha"`
		}
		g.srv.Root(t, "GET", "/api/v4/projects/1/merge_requests/1", nil, &mr)
		return mr.SHA
	}
	checksPath := "/api/v4/projects/1/merge_requests/1/status_checks"
	respondPath := "/api/v4/projects/1/merge_requests/1/status_check_responses"
	answer := func(sha string) map[string]any {
		return map[string]any{"external_status_check_id": check.ID, "sha": sha, "status": "passed"}
	}
	// expect calls the replica and checks the status code.
	expect := func(token, method, path string, body any, want int) []byte {
		t.Helper()
		code, got := other.Call(t, token, method, path, body)
		if code != want {
			t.Fatalf("%s %s on the other replica: %d, want %d: %s", method, path, code, want, got)
		}
		return got
	}

	t.Run("revoked token", func(t *testing.T) {
		_, token := g.user(t, "revoked", 30, "")
		sha := headSHA()
		for range 2 {
			expect(token, "GET", checksPath, nil, http.StatusOK)
			expect(token, "POST", respondPath, answer(sha), http.StatusCreated)
		}
		if code, body := g.srv.Call(t, token, "DELETE", "/api/v4/personal_access_tokens/self", nil); code != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", code, body)
		}
		expect(token, "GET", checksPath, nil, http.StatusUnauthorized)
		expect(token, "POST", respondPath, answer(sha), http.StatusUnauthorized)
	})

	t.Run("removed member", func(t *testing.T) {
		uid, token := g.user(t, "removed", 30, "")
		sha := headSHA()
		for range 2 {
			expect(token, "GET", checksPath, nil, http.StatusOK)
			expect(token, "POST", respondPath, answer(sha), http.StatusCreated)
		}
		g.srv.Root(t, "DELETE", fmt.Sprintf("/api/v4/projects/1/members/%d", uid), nil, nil)
		// A private project: a non-member no longer sees it.
		expect(token, "GET", checksPath, nil, http.StatusNotFound)
		expect(token, "POST", respondPath, answer(sha), http.StatusNotFound)
	})

	t.Run("changed head sha", func(t *testing.T) {
		_, token := g.user(t, "pusher", 30, "")
		old := headSHA()
		for range 2 {
			expect(token, "POST", respondPath, answer(old), http.StatusCreated)
		}
		g.repo.Push("feature", "feature", map[string]string{"app": "v2\n"})
		if headSHA() == old {
			t.Fatal("the push did not move the merge request's head")
		}
		expect(token, "POST", respondPath, answer(old), http.StatusConflict)
		// The new head has no answer yet: the check is pending again.
		got := expect(token, "GET", checksPath, nil, http.StatusOK)
		if want := fmt.Sprintf(`[{"id":%d,"name":"ci","external_url":"https://ci.example.test/hook","status":"pending"}]`, check.ID); string(got) != want {
			t.Fatalf("checks after the push: %s, want %s", got, want)
		}
	})

	t.Run("deleted check", func(t *testing.T) {
		_, token := g.user(t, "deleted", 30, "")
		sha := headSHA()
		for range 2 {
			expect(token, "GET", checksPath, nil, http.StatusOK)
			expect(token, "POST", respondPath, answer(sha), http.StatusCreated)
		}
		g.srv.Root(t, "DELETE", fmt.Sprintf("/api/v4/projects/1/external_status_checks/%d", check.ID), nil, nil)
		expect(token, "POST", respondPath, answer(sha), http.StatusNotFound)
		if got := expect(token, "GET", checksPath, nil, http.StatusOK); string(got) != "[]" {
			t.Fatalf("checks after the delete: %s, want []", got)
		}
	})
}
