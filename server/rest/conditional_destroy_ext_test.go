package rest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestConditionalDestroy: every DELETE GitLab implements with
// destroy_conditionally! (projects, members, protected branches, external
// status checks, hooks) answers 412 and deletes nothing when
// If-Unmodified-Since is older than the resource; a later time, or one
// that is not a date (GitLab ignores it), deletes.
func TestConditionalDestroy(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t) // fake clock: every record was made at servertest.Epoch
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	const (
		before = "Thu, 01 Jan 2026 00:00:00 GMT"
		after  = "Sat, 03 Jan 2026 00:00:00 GMT"
	)

	send := func(path, since string) (int, string) {
		req, err := http.NewRequest(http.MethodDelete, srv.URL+"/api/v4"+path, nil)
		require.NoError(t, err)
		req.Header.Set("PRIVATE-TOKEN", servertest.RootToken)
		req.Header.Set("If-Unmodified-Since", since)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var b [256]byte
		n, _ := res.Body.Read(b[:])
		return res.StatusCode, string(b[:n])
	}

	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Cond")})
	require.NoError(t, err)
	pid := proj.ID
	bob, _, err := root.Users.CreateUser(&gitlab.CreateUserOptions{
		Email: gitlab.Ptr("bob@example.test"), Username: gitlab.Ptr("bob"), Name: gitlab.Ptr("Bob"), Password: gitlab.Ptr("correct-horse-battery"),
	})
	require.NoError(t, err)
	_, _, err = root.ProjectMembers.AddProjectMember(pid, &gitlab.AddProjectMemberOptions{UserID: bob.ID, AccessLevel: gitlab.Ptr(gitlab.DeveloperPermissions)})
	require.NoError(t, err)
	_, _, err = root.ProtectedBranches.ProtectRepositoryBranches(pid, &gitlab.ProtectRepositoryBranchesOptions{Name: gitlab.Ptr("release")})
	require.NoError(t, err)
	check, _, err := root.ExternalStatusChecks.CreateProjectExternalStatusCheck(pid, &gitlab.CreateProjectExternalStatusCheckOptions{
		Name: gitlab.Ptr("lint"), ExternalURL: gitlab.Ptr("https://lint.example.test/"),
	})
	require.NoError(t, err)
	hook, _, err := root.Projects.AddProjectHook(pid, &gitlab.AddProjectHookOptions{URL: gitlab.Ptr("https://ci.example.test/")})
	require.NoError(t, err)

	p := fmt.Sprintf("/projects/%d", pid)
	for _, tc := range []struct {
		path   string
		exists func() bool
	}{
		{p + fmt.Sprintf("/members/%d", bob.ID), func() bool {
			members, _, err := root.ProjectMembers.ListProjectMembers(pid, nil)
			require.NoError(t, err)
			return len(members) == 2
		}},
		{p + "/protected_branches/release", func() bool {
			_, _, err := root.ProtectedBranches.GetProtectedBranch(pid, "release")
			return err == nil
		}},
		{p + fmt.Sprintf("/external_status_checks/%d", check.ID), func() bool {
			checks, _, err := root.ExternalStatusChecks.ListProjectStatusChecks(pid, nil)
			require.NoError(t, err)
			return len(checks) == 1
		}},
		{p + fmt.Sprintf("/hooks/%d", hook.ID), func() bool {
			_, _, err := root.Projects.GetProjectHook(pid, hook.ID)
			return err == nil
		}},
		{"/projects/" + url.PathEscape(proj.PathWithNamespace), func() bool {
			_, _, err := root.Projects.GetProject(pid, nil)
			return err == nil
		}},
	} {
		status, body := send(tc.path, before)
		require.Equal(t, http.StatusPreconditionFailed, status, tc.path)
		require.JSONEq(t, `{"message":"412 Precondition Failed"}`, body, tc.path)
		require.True(t, tc.exists(), "%s: a failed precondition deletes nothing", tc.path)
	}

	// GitLab's Go client sends the header with WithHeader; a later time
	// deletes.
	resp, err := root.ProjectMembers.DeleteProjectMember(pid, bob.ID, gitlab.WithHeader("If-Unmodified-Since", after))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	// A header that is not a date is ignored, as GitLab ignores it.
	status, _ := send(p+"/protected_branches/release", "yesterday-ish")
	require.Equal(t, http.StatusNoContent, status)
	status, _ = send(p+fmt.Sprintf("/external_status_checks/%d", check.ID), after)
	require.Equal(t, http.StatusNoContent, status)
	status, _ = send(p+fmt.Sprintf("/hooks/%d", hook.ID), after)
	require.Equal(t, http.StatusNoContent, status)
	status, body := send(p, after)
	require.Equal(t, http.StatusAccepted, status)
	require.JSONEq(t, `{"message":"202 Accepted"}`, body)
}
