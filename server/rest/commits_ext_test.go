package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestGetCommit: GitLab's client reads a commit by sha and by branch name,
// then reports a status on it (python-gitlab's commits.get(sha) and
// .statuses.create); an unknown sha is GitLab's 404.
func TestGetCommit(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Demo")})
	require.NoError(t, err)
	w := srv.Clone(t, proj.PathWithNamespace)
	first := w.Push("main", "", map[string]string{"README": "hello\n"})
	head := w.Push("main", "", map[string]string{"README": "hello again\n"})

	c, _, err := root.Commits.GetCommit(proj.ID, head, nil)
	require.NoError(t, err)
	require.Equal(t, head, c.ID)
	require.Equal(t, head[:8], c.ShortID)
	require.Equal(t, []string{first}, c.ParentIDs)
	require.Equal(t, proj.ID, c.ProjectID)
	byBranch, _, err := root.Commits.GetCommit(proj.ID, "main", nil)
	require.NoError(t, err)
	require.Equal(t, head, byBranch.ID)

	st, _, err := root.Commits.SetCommitStatus(proj.ID, c.ID, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr("test")})
	require.NoError(t, err)
	require.Equal(t, "success", st.Status)

	_, _, err = root.Commits.GetCommit(proj.ID, "0000000000000000000000000000000000000000", nil)
	requireStatus(t, err, http.StatusNotFound)
	status, body := srv.Call(t, servertest.RootToken, "GET", "/api/v4/projects/1/repository/commits/--help", nil)
	require.Equal(t, http.StatusNotFound, status)
	require.JSONEq(t, `{"message":"404 Commit Not Found"}`, string(body))
}
