package api_test

import (
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestListProjectsFiltersOverConnect: ListProjects takes GET /projects'
// filters, and refuses an order it does not know.
func TestListProjectsFiltersOverConnect(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	client := doors(t, srv.URL)["ConnectJSON"]
	ctx, info := connect.NewClientContext(t.Context())
	info.RequestHeader().Set("Authorization", "Bearer "+servertest.RootToken)
	projects := signalboxv1connect.NewProjectServiceClient(client)
	for _, name := range []string{"beta", "alpha", "gamma-deploy"} {
		_, err := projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Name: name})
		require.NoError(t, err)
	}
	names := func(req *signalboxv1.ListProjectsRequest) []string {
		t.Helper()
		res, err := projects.ListProjects(ctx, req)
		require.NoError(t, err)
		var out []string
		for _, p := range res.GetProjects() {
			out = append(out, p.GetName())
			require.True(t, p.GetEmptyRepo())
			require.Equal(t, "main", p.GetDefaultBranch())
		}
		return out
	}
	require.Equal(t, []string{"gamma-deploy", "alpha", "beta"}, names(&signalboxv1.ListProjectsRequest{}), "newest first")
	require.Equal(t, []string{"alpha", "beta", "gamma-deploy"}, names(&signalboxv1.ListProjectsRequest{OrderBy: "name", Sort: "asc"}))
	require.Equal(t, []string{"gamma-deploy"}, names(&signalboxv1.ListProjectsRequest{Search: "DEPLOY", Owned: true}))
	require.Equal(t, []string{"gamma-deploy"}, names(&signalboxv1.ListProjectsRequest{Search: "root/gam", SearchNamespaces: true}))

	for _, bad := range []*signalboxv1.ListProjectsRequest{{OrderBy: "stars"}, {Sort: "up"}} {
		_, err := projects.ListProjects(ctx, bad)
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", bad)
	}
}
