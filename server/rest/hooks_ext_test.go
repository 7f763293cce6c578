package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestProjectHookByID: GitLab's client reads, edits and deletes one hook.
func TestProjectHookByID(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Demo")})
	require.NoError(t, err)
	hook, _, err := root.Projects.AddProjectHook(proj.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr("https://ci.example.test/hook"), PipelineEvents: gitlab.Ptr(true), Token: gitlab.Ptr("s3cret"),
	})
	require.NoError(t, err)
	got, _, err := root.Projects.GetProjectHook(proj.ID, hook.ID)
	require.NoError(t, err)
	require.Equal(t, "https://ci.example.test/hook", got.URL)
	require.True(t, got.PipelineEvents)
	edited, _, err := root.Projects.EditProjectHook(proj.ID, hook.ID, &gitlab.EditProjectHookOptions{
		URL: gitlab.Ptr("https://ci2.example.test/hook"), PipelineEvents: gitlab.Ptr(false), PushEvents: gitlab.Ptr(true),
	})
	require.NoError(t, err)
	require.Equal(t, "https://ci2.example.test/hook", edited.URL)
	require.False(t, edited.PipelineEvents)
	require.True(t, edited.PushEvents)
	got, _, err = root.Projects.GetProjectHook(proj.ID, hook.ID)
	require.NoError(t, err)
	require.Equal(t, edited.URL, got.URL)
	_, err = root.Projects.DeleteProjectHook(proj.ID, hook.ID)
	require.NoError(t, err)
	_, _, err = root.Projects.GetProjectHook(proj.ID, hook.ID)
	requireStatus(t, err, http.StatusNotFound)
	_, _, err = root.Projects.EditProjectHook(proj.ID, hook.ID, &gitlab.EditProjectHookOptions{URL: gitlab.Ptr("https://ci.example.test/")})
	requireStatus(t, err, http.StatusNotFound)
}
