package rest_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// TestLastOwnerSurvivesConcurrentRemovals: in each of 40 projects, two
// owners remove each other at the same instant through GitLab's client, on a
// real Redis. Membership changes of a project are serialised, so in every
// project exactly one removal succeeds (204), the other is refused (403, or
// 404 when its caller, removed first, no longer sees the private project),
// and one owner remains. Unserialised, both checks passed before
// either write, and projects were left with no member at all.
func TestLastOwnerSurvivesConcurrentRemovals(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	base := gitlab.WithBaseURL(srv.URL + "/api/v4")
	root, err := gitlab.NewClient(servertest.RootToken, base)
	require.NoError(t, err)
	owner := func(name string) (*gitlab.User, *gitlab.Client) {
		u, _, err := root.Users.CreateUser(&gitlab.CreateUserOptions{
			Email: gitlab.Ptr(name + "@example.test"), Username: gitlab.Ptr(name), Name: gitlab.Ptr(name),
			Password: gitlab.Ptr("correct-horse-battery"),
		})
		require.NoError(t, err)
		pat, _, err := root.Users.CreatePersonalAccessToken(u.ID, &gitlab.CreatePersonalAccessTokenOptions{
			Name: gitlab.Ptr("t"), Scopes: &[]string{"api"},
		})
		require.NoError(t, err)
		c, err := gitlab.NewClient(pat.Token, base)
		require.NoError(t, err)
		return u, c
	}
	alice, asAlice := owner("alice")
	bob, asBob := owner("bob")

	const rounds = 40
	projects := make([]int64, rounds)
	for i := range rounds {
		p, _, err := asAlice.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr(fmt.Sprintf("race-%d", i))})
		require.NoError(t, err)
		_, _, err = asAlice.ProjectMembers.AddProjectMember(p.ID, &gitlab.AddProjectMemberOptions{
			UserID: gitlab.Ptr(bob.ID), AccessLevel: gitlab.Ptr(gitlab.OwnerPermissions),
		})
		require.NoError(t, err)
		projects[i] = p.ID
	}

	statuses := make([][2]int, rounds)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i, pid := range projects {
		for j, remove := range []struct {
			as   *gitlab.Client
			whom int64
		}{{asAlice, bob.ID}, {asBob, alice.ID}} {
			wg.Go(func() {
				start.Wait()
				res, _ := remove.as.ProjectMembers.DeleteProjectMember(pid, remove.whom)
				if res != nil {
					statuses[i][j] = res.StatusCode
				}
			})
		}
	}
	start.Done()
	wg.Wait()

	for i, pid := range projects {
		won := 0
		for _, status := range statuses[i] {
			switch status {
			case http.StatusNoContent:
				won++
			case http.StatusForbidden, http.StatusNotFound:
				// Refused: the last owner stays, or the caller, removed a
				// moment before, no longer sees the private project.
			default:
				t.Fatalf("project %d: removal answered %d", pid, status)
			}
		}
		require.Equal(t, 1, won, "project %d: exactly one removal wins, got %v", pid, statuses[i])
		members, _, err := root.ProjectMembers.ListProjectMembers(pid, nil)
		require.NoError(t, err)
		require.Len(t, members, 1, "project %d keeps one member", pid)
		require.Equal(t, gitlab.OwnerPermissions, members[0].AccessLevel, "project %d keeps its owner", pid)
	}
}
