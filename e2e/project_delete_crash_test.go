package e2e_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestProjectDeletionSurvivesSIGKILL kills the real binary in the middle of
// deleting a project (just after the mark, before the 202; and after its
// records are purged, before its repository is removed) and checks that the
// restarted server finishes the deletion: no key of the project in Redis,
// no repository on disk, and 404 for the project.
func TestProjectDeletionSurvivesSIGKILL(t *testing.T) {
	for _, point := range []string{project.CrashAfterDeleteMark, project.CrashAfterPurge} {
		t.Run(point, func(t *testing.T) {
			rdb := redistest.New(t)
			dataDir := t.TempDir()
			args := []string{"--redis-url", rdb.URL(), "--data-dir", dataDir, "--root-token", rootToken, "--log-format", "json"}
			env := []string{"SIGNALBOX_PROJECT_DELETION_GRACE=0s"}
			srv := harness.Start(t, binary, append([]string{"SIGNALBOX_CRASH_AT=" + point}, env...), args...)
			gl := gitlabClient(t, srv.URL)

			p, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("doomed")})
			require.NoError(t, err)
			wt := gitrepotest.NewWorktree(t)
			wt.Checkout("main")
			wt.Commit("init", map[string]string{"README": "hello\n"})
			wt.Git("push", "--quiet", strings.Replace(srv.URL, "http://", "http://root:"+rootToken+"@", 1)+"/root/doomed.git", "main")
			_, _, err = gl.ExternalStatusChecks.CreateProjectExternalStatusCheck(p.ID, &gitlab.CreateProjectExternalStatusCheckOptions{
				Name: gitlab.Ptr("lint"), ExternalURL: gitlab.Ptr("https://lint.example.test/")})
			require.NoError(t, err)
			repo := filepath.Join(dataDir, "repositories", strconv.FormatInt(p.ID, 10)+".git")
			require.DirExists(t, repo)

			_, _ = gl.Projects.DeleteProject(p.ID, nil) // the server may die before it answers
			_, exited := srv.Wait(30 * time.Second)
			require.True(t, exited, "the server never reached its crash point")
			if point == project.CrashAfterPurge {
				require.DirExists(t, repo, "killed before the repository went")
			}

			srv = harness.Start(t, binary, env, args...)
			gl = gitlabClient(t, srv.URL)
			_, resp, err := gl.Projects.GetProject(p.ID, nil)
			require.Error(t, err)
			require.Equal(t, http.StatusNotFound, resp.StatusCode, "deleted from the mark on, across the restart")

			c := rdb.Client(t)
			tag := "sb:{p:" + strconv.FormatInt(p.ID, 10) + "}"
			require.Eventually(t, func() bool {
				keys, err := c.Keys(t.Context(), "sb:*").Result()
				if err != nil {
					return false
				}
				for _, k := range keys {
					if strings.HasPrefix(k, tag) {
						return false
					}
				}
				n, err := c.ZCard(t.Context(), "sb:projects:deleting").Result()
				_, statErr := os.Stat(repo)
				return err == nil && n == 0 && errors.Is(statErr, os.ErrNotExist)
			}, 60*time.Second, 50*time.Millisecond, "the restarted server never finished the deletion")

			// The path is free again, for a new project.
			again, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("doomed")})
			require.NoError(t, err)
			require.Greater(t, again.ID, p.ID)
		})
	}
}
