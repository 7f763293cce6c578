package rest_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestGitLabClient drives the REST door with GitLab's official Go client, as
// an existing GitLab integration would, against a real Redis.
func TestGitLabClient(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)

	// Users and tokens.
	alice, _, err := root.Users.CreateUser(&gitlab.CreateUserOptions{
		Email: gitlab.Ptr("alice@example.test"), Username: gitlab.Ptr("alice"), Name: gitlab.Ptr("Alice"),
		Password: gitlab.Ptr("correct-horse-battery"),
	})
	require.NoError(t, err)
	require.Equal(t, "alice", alice.Username)
	expires := gitlab.ISOTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	pat, resp, err := root.Users.CreatePersonalAccessToken(alice.ID, &gitlab.CreatePersonalAccessTokenOptions{
		Name: gitlab.Ptr("ci"), Scopes: &[]string{"api"}, ExpiresAt: &expires,
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.True(t, pat.Active)
	require.Equal(t, alice.ID, pat.UserID)
	require.Equal(t, "2030-01-01", time.Time(*pat.ExpiresAt).Format("2006-01-02"))

	asAlice, err := gitlab.NewClient(pat.Token, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	me, _, err := asAlice.Users.CurrentUser()
	require.NoError(t, err)
	require.Equal(t, alice.ID, me.ID)
	require.Equal(t, "alice@example.test", me.Email)

	// Projects and settings.
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Demo")})
	require.NoError(t, err)
	require.Equal(t, "root/demo", proj.PathWithNamespace)
	proj, _, err = root.Projects.EditProject("root/demo", &gitlab.EditProjectOptions{
		OnlyAllowMergeIfAllStatusChecksPassed: gitlab.Ptr(true),
		MergeTrainsEnabled:                    gitlab.Ptr(true),
		MergeMethod:                           gitlab.Ptr(gitlab.FastForwardMerge),
		OnlyAllowMergeIfPipelineSucceeds:      gitlab.Ptr(true),
	})
	require.NoError(t, err)
	got, _, err := root.Projects.GetProject("root/demo", nil)
	require.NoError(t, err)
	require.Equal(t, proj.ID, got.ID)
	require.True(t, got.MergeTrainsEnabled)
	require.True(t, got.OnlyAllowMergeIfPipelineSucceeds)
	require.Equal(t, gitlab.FastForwardMerge, got.MergeMethod)

	// Members.
	_, _, err = asAlice.Projects.GetProject(proj.ID, nil)
	requireStatus(t, err, http.StatusNotFound)
	member, _, err := root.ProjectMembers.AddProjectMember(proj.ID, &gitlab.AddProjectMemberOptions{
		UserID: alice.ID, AccessLevel: gitlab.Ptr(gitlab.DeveloperPermissions),
	})
	require.NoError(t, err)
	require.Equal(t, gitlab.DeveloperPermissions, member.AccessLevel)
	members, _, err := asAlice.ProjectMembers.ListProjectMembers(proj.ID, nil)
	require.NoError(t, err)
	require.Len(t, members, 2)
	_, _, err = root.ProjectMembers.EditProjectMember(proj.ID, alice.ID, &gitlab.EditProjectMemberOptions{AccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions)})
	require.NoError(t, err)

	// Protected branches, exact and wildcard.
	mainPB, _, err := root.ProtectedBranches.ProtectRepositoryBranches(proj.ID, &gitlab.ProtectRepositoryBranchesOptions{
		Name: gitlab.Ptr("main"), PushAccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions),
	})
	require.NoError(t, err)
	releasePB, _, err := root.ProtectedBranches.ProtectRepositoryBranches(proj.ID, &gitlab.ProtectRepositoryBranchesOptions{Name: gitlab.Ptr("release/*")})
	require.NoError(t, err)
	pbs, _, err := root.ProtectedBranches.ListProtectedBranches(proj.ID, nil)
	require.NoError(t, err)
	require.Len(t, pbs, 2)
	pb, _, err := root.ProtectedBranches.GetProtectedBranch(proj.ID, "release/*")
	require.NoError(t, err)
	require.Equal(t, releasePB.ID, pb.ID)
	require.Equal(t, gitlab.MaintainerPermissions, pb.PushAccessLevels[0].AccessLevel)

	// External status checks: create, list, update, delete.
	checks := root.ExternalStatusChecks
	c1, resp, err := checks.CreateProjectExternalStatusCheck(proj.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("Compliance"), ExternalURL: gitlab.Ptr("https://compliance.example.test/hook?token=1"),
		SharedSecret: gitlab.Ptr("s3cret"), ProtectedBranchIDs: &[]int64{mainPB.ID},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.True(t, c1.HMAC)
	require.Equal(t, "https://compliance.example.test/hook?token=1", c1.ExternalURL)
	require.Len(t, c1.ProtectedBranches, 1)
	require.Equal(t, "main", c1.ProtectedBranches[0].Name)

	_, _, err = checks.CreateProjectExternalStatusCheck(proj.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("Compliance"), ExternalURL: gitlab.Ptr("https://other.example.test/"),
	})
	requireStatus(t, err, http.StatusUnprocessableEntity)

	c2, _, err := checks.CreateProjectExternalStatusCheck(proj.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("Security"), ExternalURL: gitlab.Ptr("https://security.example.test/"),
	})
	require.NoError(t, err)
	require.False(t, c2.HMAC)

	list, resp, err := checks.ListProjectExternalStatusChecks(proj.ID, &gitlab.ListProjectExternalStatusChecksOptions{ListOptions: gitlab.ListOptions{PerPage: 1}})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, int64(2), resp.TotalItems)
	require.Equal(t, int64(2), resp.NextPage)

	updated, _, err := checks.UpdateProjectExternalStatusCheck(proj.ID, c2.ID, &gitlab.UpdateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("Security scan"), ProtectedBranchIDs: &[]int64{releasePB.ID},
	})
	require.NoError(t, err)
	require.Equal(t, "Security scan", updated.Name)
	require.Equal(t, "https://security.example.test/", updated.ExternalURL)
	require.Equal(t, "release/*", updated.ProtectedBranches[0].Name)

	resp, err = checks.DeleteProjectExternalStatusCheck(proj.ID, c1.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	all, _, err := checks.ListProjectExternalStatusChecks(proj.ID, nil)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, c2.ID, all[0].ID)

	_, err = root.ProtectedBranches.UnprotectRepositoryBranches(proj.ID, "release/*")
	require.NoError(t, err)
	_, _, err = root.ProtectedBranches.GetProtectedBranch(proj.ID, "release/*")
	requireStatus(t, err, http.StatusNotFound)
}

func requireStatus(t *testing.T, err error, status int) {
	t.Helper()
	var er *gitlab.ErrorResponse
	require.True(t, errors.As(err, &er), "want a GitLab error response, got %v", err)
	require.Equal(t, status, er.StatusCode, er.Message)
}
