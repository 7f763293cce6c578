package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestVersionAndMetadata: GitLab's client reads the running build; an
// anonymous one is refused.
func TestVersionAndMetadata(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	v, _, err := root.Version.GetVersion()
	require.NoError(t, err)
	require.Equal(t, "(devel)", v.Version, "a test binary is built from a work tree")
	md, _, err := root.Metadata.GetMetadata()
	require.NoError(t, err)
	require.Equal(t, v.Version, md.Version)
	require.True(t, md.Enterprise)
	require.False(t, md.KAS.Enabled)
	anonymous, err := gitlab.NewClient("", gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	_, _, err = anonymous.Version.GetVersion()
	requireStatus(t, err, http.StatusUnauthorized)
}
