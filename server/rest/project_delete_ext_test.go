package rest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestDeleteProject: GitLab's DELETE /projects/:id through GitLab's Go
// client. Only an owner deletes (403 for a maintainer, 404 for someone who
// cannot see it); the answer is 202 {"message":"202 Accepted"}; from then
// on every read and write answers 404, including writes racing the delete;
// and once the purger is done, no key of the project is left in Redis, no
// entry of it in a global index, and no repository on disk. A project
// created afterwards under the same path inherits nothing.
func TestDeleteProject(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t, servertest.RealClock(), servertest.WithConfig(func(c *config.Config) {
		c.AllowLocalNetwork = true
		c.ProjectDeletionGrace = 5 * time.Second
	}))
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	rcv := newReceiver(t)
	sink := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(sink.Close)

	kept, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Kept")})
	require.NoError(t, err)
	proj := checkedProject(t, srv, root, rcv)
	pid := proj.ID
	maintainer := userClient(t, srv, root, "maint", pid, gitlab.MaintainerPermissions)
	stranger := userClient(t, srv, root, "stranger", 0, 0)
	me, _, err := maintainer.Users.CurrentUser()
	require.NoError(t, err)
	_, _, err = root.ProjectMembers.AddProjectMember(kept.ID, &gitlab.AddProjectMemberOptions{UserID: me.ID, AccessLevel: gitlab.Ptr(gitlab.DeveloperPermissions)})
	require.NoError(t, err)

	// A record of every kind.
	_, _, err = root.ProtectedBranches.ProtectRepositoryBranches(pid, &gitlab.ProtectRepositoryBranchesOptions{Name: gitlab.Ptr("main")})
	require.NoError(t, err)
	_, _, err = root.Projects.AddProjectHook(pid, &gitlab.AddProjectHookOptions{URL: gitlab.Ptr(sink.URL), PipelineEvents: gitlab.Ptr(true)})
	require.NoError(t, err)
	mr, _, err := root.MergeRequests.GetMergeRequest(pid, 1, nil)
	require.NoError(t, err)
	_, _, err = root.Commits.SetCommitStatus(pid, mr.SHA, &gitlab.SetCommitStatusOptions{State: gitlab.Running, Name: gitlab.Ptr("test")})
	require.NoError(t, err)
	_, _, err = root.Notes.CreateMergeRequestNote(pid, 1, &gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr("hello")})
	require.NoError(t, err)
	_, _, err = maintainer.MergeRequestApprovals.ApproveMergeRequest(pid, 1, nil)
	require.NoError(t, err)
	checks, _, err := root.ExternalStatusChecks.ListProjectStatusChecks(pid, nil)
	require.NoError(t, err)
	require.Len(t, checks, 1)

	// Only an owner deletes; someone who cannot see it learns nothing.
	resp, err := maintainer.Projects.DeleteProject(pid, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, err = stranger.Projects.DeleteProject(pid, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	_, _, err = root.Projects.GetProject(pid, nil)
	require.NoError(t, err, "a refused delete deletes nothing")

	// Writers race the delete; every write that starts after the delete
	// answered must be refused with 404.
	var answered atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var late atomic.Int64
	writers := []func(i int) (*gitlab.Response, error){
		func(i int) (*gitlab.Response, error) {
			_, r, err := root.Commits.SetCommitStatus(pid, mr.SHA, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr(fmt.Sprint("s", i))})
			return r, err
		},
		func(i int) (*gitlab.Response, error) {
			_, r, err := root.Notes.CreateMergeRequestNote(pid, 1, &gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr(fmt.Sprint("n", i))})
			return r, err
		},
		func(i int) (*gitlab.Response, error) {
			r, err := root.ExternalStatusChecks.SetExternalStatusCheckStatus(pid, 1, &gitlab.SetExternalStatusCheckStatusOptions{
				SHA: gitlab.Ptr(mr.SHA), ExternalStatusCheckID: gitlab.Ptr(checks[0].ID), Status: gitlab.Ptr("passed"),
			})
			return r, err
		},
		func(i int) (*gitlab.Response, error) {
			_, r, err := root.Projects.EditProject(pid, &gitlab.EditProjectOptions{Description: gitlab.Ptr(fmt.Sprint("d", i))})
			return r, err
		},
	}
	for _, write := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			after := 0
			for i := 0; after < 5; i++ {
				started := answered.Load()
				r, err := write(i)
				if started {
					after++
					if err == nil || r == nil || r.StatusCode != http.StatusNotFound {
						late.Add(1)
						t.Errorf("a write after the delete answered got %v", err)
					}
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	status, body := srv.Call(t, servertest.RootToken, http.MethodDelete, "/api/v4/projects/"+strconv.FormatInt(pid, 10), nil)
	answered.Store(true)
	require.Equal(t, http.StatusAccepted, status)
	require.JSONEq(t, `{"message":"202 Accepted"}`, string(body))
	wg.Wait()
	close(stop)
	require.Zero(t, late.Load())

	// Gone for every reader and writer at once.
	_, resp, err = root.Projects.GetProject(pid, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	_, resp, err = root.Projects.GetProject(proj.PathWithNamespace, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, err = root.Projects.DeleteProject(pid, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "deleted once")
	listed, _, err := maintainer.Projects.ListProjects(&gitlab.ListProjectsOptions{})
	require.NoError(t, err)
	for _, p := range listed {
		require.NotEqual(t, pid, p.ID)
	}

	// The purger finishes after the grace: nothing of the project is left.
	rdb := srv.Redis.Client(t)
	prefix := srv.KeyPrefix()
	require.Eventually(t, func() bool {
		n, err := rdb.ZCard(t.Context(), prefix+"projects:deleting").Result()
		return err == nil && n == 0
	}, 60*time.Second, 50*time.Millisecond, "the deletion never completed")
	requireNoTrace(t, rdb, prefix, pid)
	_, err = os.Stat(srv.DataDir() + "/repositories/" + strconv.FormatInt(pid, 10) + ".git")
	require.True(t, errors.Is(err, os.ErrNotExist), "repository removed: %v", err)

	// The neighbour is whole, and the path is free for a new project that
	// inherits nothing.
	members, _, err := root.ProjectMembers.ListProjectMembers(kept.ID, nil)
	require.NoError(t, err)
	require.Len(t, members, 2)
	again, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Demo")})
	require.NoError(t, err)
	require.Equal(t, proj.PathWithNamespace, again.PathWithNamespace)
	require.Greater(t, again.ID, pid, "ids are not reused")
	checks, _, err = root.ExternalStatusChecks.ListProjectStatusChecks(again.ID, nil)
	require.NoError(t, err)
	require.Empty(t, checks)
	members, _, err = root.ProjectMembers.ListProjectMembers(again.ID, nil)
	require.NoError(t, err)
	require.Len(t, members, 1)
	mrs, _, err := root.MergeRequests.ListProjectMergeRequests(again.ID, nil)
	require.NoError(t, err)
	require.Empty(t, mrs)
}

// requireNoTrace fails if any key of project pid is left, or any global
// index still names it.
func requireNoTrace(t *testing.T, rdb *redis.Client, prefix string, pid int64) {
	t.Helper()
	ctx := context.Background()
	id := strconv.FormatInt(pid, 10)
	var cursor uint64
	for {
		ks, next, err := rdb.Scan(ctx, cursor, prefix+"*", 1000).Result()
		require.NoError(t, err)
		for _, k := range ks {
			require.False(t, strings.HasPrefix(k, prefix+"{p:"+id+"}"), "key %s left", k)
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	for _, key := range []string{"projects:ids", "deliveries:projects"} {
		_, err := rdb.ZScore(ctx, prefix+key, id).Result()
		require.ErrorIs(t, err, redis.Nil, "%s names the project", key)
	}
	due, err := rdb.ZRange(ctx, prefix+"responses:due", 0, -1).Result()
	require.NoError(t, err)
	for _, m := range due {
		require.False(t, strings.HasPrefix(m, id+":"), "deadline %s left", m)
	}
	dirty, err := rdb.SIsMember(ctx, prefix+"trains:dirty", id).Result()
	require.NoError(t, err)
	require.False(t, dirty)
	for _, key := range []string{"projects:paths", "projects:names", "protected_branches:project"} {
		vals, err := rdb.HVals(ctx, prefix+key).Result()
		require.NoError(t, err)
		require.NotContains(t, vals, id, key)
	}
	userSets, err := rdb.Keys(ctx, prefix+"{users}:user:*:projects").Result()
	require.NoError(t, err)
	for _, k := range userSets {
		in, err := rdb.SIsMember(ctx, k, id).Result()
		require.NoError(t, err)
		require.False(t, in, "%s names the project", k)
	}
}
