package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

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

// TestListCommits: GitLab's client pages a branch's history newest first,
// by path and by commit time, with GitLab's headers (no X-Total: the
// history is not counted); an unknown ref has no commits, and bad input is
// GitLab's 400.
func TestListCommits(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Log")})
	require.NoError(t, err)

	// An empty project has no history yet.
	empty, _, err := root.Commits.ListCommits(proj.ID, nil)
	require.NoError(t, err)
	require.Empty(t, empty)

	w := srv.Clone(t, proj.PathWithNamespace)
	c1 := w.Push("main", "", map[string]string{"README": "1\n"})
	c2 := w.Push("main", "", map[string]string{"src/a.go": "package a\n"})
	c3 := w.Push("main", "", map[string]string{"README": "3\n"})
	c4 := w.Push("main", "", map[string]string{"src/b.go": "package a\n"})
	feature := w.Push("feature", c2, map[string]string{"f": "f\n"})

	ids := func(cs []*gitlab.Commit) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}

	all, resp, err := root.Commits.ListCommits(proj.ID, nil)
	require.NoError(t, err)
	require.Equal(t, []string{c4, c3, c2, c1}, ids(all), "the default branch, newest first")
	require.Equal(t, []string{c3}, all[0].ParentIDs)
	require.Equal(t, "Change main", all[0].Title)
	require.Equal(t, "test@example.com", all[0].AuthorEmail)
	require.Equal(t, srv.URL+"/"+proj.PathWithNamespace+"/-/commit/"+c4, all[0].WebURL)
	require.Empty(t, resp.Header.Get("X-Total"), "GitLab does not count the commits")
	require.Empty(t, resp.Header.Get("X-Total-Pages"))
	require.Zero(t, resp.NextPage)

	// Pages, followed the way the client follows them.
	var paged []string
	opt := &gitlab.ListCommitsOptions{ListOptions: gitlab.ListOptions{PerPage: 3}}
	for {
		page, resp, err := root.Commits.ListCommits(proj.ID, opt)
		require.NoError(t, err)
		paged = append(paged, ids(page)...)
		if resp.NextPage == 0 {
			require.EqualValues(t, 2, resp.CurrentPage)
			require.EqualValues(t, 1, resp.PreviousPage)
			break
		}
		require.EqualValues(t, 2, resp.NextPage)
		require.Contains(t, resp.Header.Get("Link"), `page=2&per_page=3>; rel="next"`)
		opt.Page = resp.NextPage
	}
	require.Equal(t, []string{c4, c3, c2, c1}, paged)

	list := func(opt *gitlab.ListCommitsOptions) []string {
		t.Helper()
		cs, _, err := root.Commits.ListCommits(proj.ID, opt)
		require.NoError(t, err)
		return ids(cs)
	}
	require.Equal(t, []string{c3, c1}, list(&gitlab.ListCommitsOptions{Path: gitlab.Ptr("README")}))
	require.Equal(t, []string{c4, c2}, list(&gitlab.ListCommitsOptions{Path: gitlab.Ptr("src")}))
	require.Equal(t, []string{feature, c2, c1}, list(&gitlab.ListCommitsOptions{RefName: gitlab.Ptr("feature")}))
	require.Equal(t, []string{c3, c2}, list(&gitlab.ListCommitsOptions{RefName: gitlab.Ptr(c3), Since: gitlab.Ptr(commitTime(t, root, proj.ID, c2))}))
	require.Equal(t, []string{c2, c1}, list(&gitlab.ListCommitsOptions{Until: gitlab.Ptr(commitTime(t, root, proj.ID, c2))}))
	require.Equal(t, []string{feature}, list(&gitlab.ListCommitsOptions{RefName: gitlab.Ptr("main..feature")}), "a range")
	require.ElementsMatch(t, []string{c4, c3, c2, c1, feature}, list(&gitlab.ListCommitsOptions{All: gitlab.Ptr(true), RefName: gitlab.Ptr("nope")}))
	require.Equal(t, []string{c4, c3, c2, c1}, list(&gitlab.ListCommitsOptions{FirstParent: gitlab.Ptr(true), WithStats: gitlab.Ptr(true)}))
	require.Empty(t, list(&gitlab.ListCommitsOptions{RefName: gitlab.Ptr("no-such-branch")}), "GitLab lists nothing for a ref that names nothing")
	require.Empty(t, list(&gitlab.ListCommitsOptions{Author: gitlab.Ptr("someone-else")}))
	status, body := srv.Call(t, servertest.RootToken, "GET", "/api/v4/projects/1/repository/commits?order=topo&per_page=1&page=4", nil)
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `["`+c1+`"]`, string(gjsonIDs(t, body)))

	for _, tc := range []struct{ query, body string }{
		{"ref_name=--all", `{"message":"ref_name is invalid"}`},
		{"since=yesterday", `{"error":"since is invalid"}`},
		{"until=2024-13-01", `{"error":"until is invalid"}`},
		{"order=newest", `{"error":"order does not have a valid value"}`},
		{"author=%5B", `{"error":"author is invalid"}`},
		{"all=maybe", `{"error":"all is invalid"}`},
	} {
		status, body := srv.Call(t, servertest.RootToken, "GET", "/api/v4/projects/1/repository/commits?"+tc.query, nil)
		require.Equal(t, http.StatusBadRequest, status, tc.query)
		require.JSONEq(t, tc.body, string(body), tc.query)
	}
	status, _ = srv.Call(t, servertest.RootToken, "GET", "/api/v4/projects/1/repository/commits?path=%FF", nil)
	require.Equal(t, http.StatusBadRequest, status, "not UTF-8")
}

// TestListCommitsTrailers: with trailers=true each commit carries its
// message's trailers, a repeated key keeping its last value in trailers and
// every value in extended_trailers, as GitLab's entity does. (GitLab's Go
// client types extended_trailers as a map of strings, so it cannot decode
// this; the call is made directly.)
func TestListCommitsTrailers(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Trailers")})
	require.NoError(t, err)
	w := srv.Clone(t, proj.PathWithNamespace)
	w.Checkout("main")
	w.Commit("Fix the thing\n\nBecause.\n\nCc: A <a@example.com>\nCc: B <b@example.com>\nChangelog: fixed", map[string]string{"x": "x"})
	w.Git("push", "--quiet", "origin", "main")

	var plain []map[string]any
	srv.Root(t, "GET", "/api/v4/projects/1/repository/commits", nil, &plain)
	require.Equal(t, map[string]any{}, plain[0]["trailers"], "only when asked for")
	require.Equal(t, map[string]any{}, plain[0]["extended_trailers"])
	var asked []map[string]any
	srv.Root(t, "GET", "/api/v4/projects/1/repository/commits?trailers=true", nil, &asked)
	require.Equal(t, map[string]any{"Cc": "B <b@example.com>", "Changelog": "fixed"}, asked[0]["trailers"])
	require.Equal(t, map[string]any{"Cc": []any{"A <a@example.com>", "B <b@example.com>"}, "Changelog": []any{"fixed"}}, asked[0]["extended_trailers"])
}

func commitTime(t *testing.T, client *gitlab.Client, pid int64, sha string) time.Time {
	t.Helper()
	c, _, err := client.Commits.GetCommit(pid, sha, nil)
	require.NoError(t, err)
	return *c.CommittedDate
}

func gjsonIDs(t *testing.T, body []byte) []byte {
	t.Helper()
	var cs []struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &cs))
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	out, err := json.Marshal(ids)
	require.NoError(t, err)
	return out
}
