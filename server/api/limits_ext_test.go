package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/api"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestListAnswersAreBounded: five merge requests with descriptions as long
// as GitLab allows (1 MiB characters each). Every one can still be read, but
// a page of all of them is over the list bound: Connect says
// ResourceExhausted and REST 400, both asking for fewer per page, instead of
// building a page of megabytes for whoever asks. A description one character
// longer is refused outright.
func TestListAnswersAreBounded(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	_, dev := g.user(t, "dev", 30, "")
	root := as(t.Context(), servertest.RootToken)
	long := strings.Repeat("x", 1<<20)
	for i := range 5 {
		branch := fmt.Sprintf("big-%d", i)
		g.repo.Push(branch, "main", map[string]string{branch: "v1\n"})
		_, err := g.mergeRequests().CreateMergeRequest(root, &signalboxv1.CreateMergeRequestRequest{
			Project: "root/p", SourceBranch: branch, TargetBranch: "main", Title: branch, Description: long,
		})
		require.NoError(t, err)
	}
	g.repo.Push("too-big", "main", map[string]string{"too-big": "v1\n"})
	_, err := g.mergeRequests().CreateMergeRequest(root, &signalboxv1.CreateMergeRequestRequest{
		Project: "root/p", SourceBranch: "too-big", TargetBranch: "main", Title: "too big", Description: long + "x",
	})
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)

	_, err = g.mergeRequests().ListMergeRequests(as(t.Context(), dev), &signalboxv1.ListMergeRequestsRequest{Project: "root/p", PerPage: 100})
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	one, err := g.mergeRequests().ListMergeRequests(as(t.Context(), dev), &signalboxv1.ListMergeRequestsRequest{Project: "root/p", PerPage: 1, Page: 2})
	require.NoError(t, err)
	require.Len(t, one.GetMergeRequests(), 1)
	require.EqualValues(t, 6, one.GetTotalSize())

	rest := func(query string) (int, string, int) {
		req, err := http.NewRequest("GET", g.srv.URL+"/api/v4/projects/1/merge_requests?"+query, nil)
		require.NoError(t, err)
		req.Header.Set("PRIVATE-TOKEN", dev)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(body[:min(len(body), 200)]), len(body)
	}
	status, body, _ := rest("per_page=100")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, `{"message":"400 Bad request - the page is larger than 4 MiB; ask for fewer items with per_page"}`, body)
	status, _, size := rest("per_page=3")
	require.Equal(t, http.StatusOK, status)
	require.Less(t, size, 2*api.MaxListResponseBytes)
}
