package rest_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestUserCanMergeFollowsMergeRights: user.can_merge says whether the
// caller may merge into the target branch, whatever the merge request's
// state; reporters never, developers only into a branch that lets them.
func TestUserCanMergeFollowsMergeRights(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Demo")})
	require.NoError(t, err)
	w := srv.Clone(t, proj.PathWithNamespace)
	w.Push("main", "", map[string]string{"README": "hello\n"})
	w.Push("dev", "main", map[string]string{"README": "dev\n"})
	w.Push("feature", "main", map[string]string{"app": "v1\n"})
	_, _, err = root.ProtectedBranches.ProtectRepositoryBranches(proj.ID, &gitlab.ProtectRepositoryBranchesOptions{
		Name: gitlab.Ptr("main"), MergeAccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions),
	})
	require.NoError(t, err)
	for _, target := range []string{"main", "dev"} {
		_, _, err = root.MergeRequests.CreateMergeRequest(proj.ID, &gitlab.CreateMergeRequestOptions{
			SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr(target), Title: gitlab.Ptr("Into " + target),
		})
		require.NoError(t, err)
	}
	reporter := userClient(t, srv, root, "rita", proj.ID, gitlab.ReporterPermissions)
	developer := userClient(t, srv, root, "dave", proj.ID, gitlab.DeveloperPermissions)
	maintainer := userClient(t, srv, root, "mia", proj.ID, gitlab.MaintainerPermissions)
	for _, tc := range []struct {
		name   string
		client *gitlab.Client
		iid    int64
		want   bool
	}{
		{"reporter into protected main", reporter, 1, false},
		{"reporter into unprotected dev", reporter, 2, false},
		{"developer into protected main", developer, 1, false},
		{"developer into unprotected dev", developer, 2, true},
		{"maintainer into protected main", maintainer, 1, true},
		{"administrator", root, 1, true},
	} {
		mr, _, err := tc.client.MergeRequests.GetMergeRequest(proj.ID, tc.iid, nil)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, mr.User.CanMerge, tc.name)
		if !tc.want {
			// What can_merge promises: the merge is refused for lack of rights.
			_, _, err = tc.client.MergeRequests.AcceptMergeRequest(proj.ID, tc.iid, nil)
			requireStatus(t, err, 401)
		}
	}
	_, _, err = developer.MergeRequests.AcceptMergeRequest(proj.ID, 2, nil)
	require.NoError(t, err, "can_merge true: the developer merges into dev")
}
