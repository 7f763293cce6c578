package rest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

func projectPaths(ps []*gitlab.Project) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.PathWithNamespace)
	}
	return out
}

// TestListProjectsFilters drives GET /projects' filters with GitLab's Go
// client, the way integrations page through projects.
func TestListProjectsFilters(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	aliceUser, _, err := root.Users.CreateUser(&gitlab.CreateUserOptions{
		Email: gitlab.Ptr("alice@example.test"), Username: gitlab.Ptr("alice"), Name: gitlab.Ptr("Alice"),
		Password: gitlab.Ptr("correct-horse-battery"),
	})
	require.NoError(t, err)
	aliceID := aliceUser.ID
	pat, _, err := root.Users.CreatePersonalAccessToken(aliceID, &gitlab.CreatePersonalAccessTokenOptions{
		Name: gitlab.Ptr("ci"), Scopes: &[]string{"api"},
	})
	require.NoError(t, err)
	alice, err := gitlab.NewClient(pat.Token, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)

	// Created a minute apart, in this order: root/zeta, root/Alpha-web,
	// alice/tools, root/ab.
	create := func(c *gitlab.Client, name, description string) *gitlab.Project {
		p, _, err := c.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr(name), Description: gitlab.Ptr(description)})
		require.NoError(t, err)
		srv.Clock.Advance(time.Minute)
		return p
	}
	zeta := create(root, "zeta", "the deploy scripts")
	create(root, "Alpha-web", "a web front end")
	create(alice, "tools", "Deploy helpers")
	create(root, "ab", "")
	// Alice joins zeta as a developer; its last activity moves on.
	_, _, err = root.ProjectMembers.AddProjectMember(zeta.ID, &gitlab.AddProjectMemberOptions{
		UserID: aliceID, AccessLevel: gitlab.Ptr(gitlab.DeveloperPermissions),
	})
	require.NoError(t, err)
	_, _, err = root.Projects.EditProject(zeta.ID, &gitlab.EditProjectOptions{Description: gitlab.Ptr("the deploy scripts, v2")})
	require.NoError(t, err)

	cases := []struct {
		name string
		as   *gitlab.Client
		opts gitlab.ListProjectsOptions
		want []string
	}{
		{"default newest first", root, gitlab.ListProjectsOptions{},
			[]string{"root/ab", "alice/tools", "root/alpha-web", "root/zeta"}},
		{"created_at asc", root, gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("asc")},
			[]string{"root/zeta", "root/alpha-web", "alice/tools", "root/ab"}},
		{"name asc ignores case", root, gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("name"), Sort: gitlab.Ptr("asc")},
			[]string{"root/ab", "root/alpha-web", "alice/tools", "root/zeta"}},
		{"path desc", root, gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("path"), Sort: gitlab.Ptr("desc")},
			[]string{"root/zeta", "alice/tools", "root/alpha-web", "root/ab"}},
		{"id asc", root, gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("id"), Sort: gitlab.Ptr("asc")},
			[]string{"root/zeta", "root/alpha-web", "alice/tools", "root/ab"}},
		{"last_activity_at desc", root, gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("last_activity_at")},
			[]string{"root/zeta", "root/ab", "alice/tools", "root/alpha-web"}},
		{"updated_at is last activity", root, gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("updated_at"), Sort: gitlab.Ptr("asc")},
			[]string{"root/alpha-web", "alice/tools", "root/ab", "root/zeta"}},
		{"search matches description, any case", root, gitlab.ListProjectsOptions{Search: gitlab.Ptr("DEPLOY")},
			[]string{"alice/tools", "root/zeta"}},
		{"search needs every word in one column", root, gitlab.ListProjectsOptions{Search: gitlab.Ptr("deploy scripts")},
			[]string{"root/zeta"}},
		{"search matches part of a name", root, gitlab.ListProjectsOptions{Search: gitlab.Ptr("pha-w")},
			[]string{"root/alpha-web"}},
		{"short search matches whole values only", root, gitlab.ListProjectsOptions{Search: gitlab.Ptr("AB")},
			[]string{"root/ab"}},
		{"search ignores the namespace", root, gitlab.ListProjectsOptions{Search: gitlab.Ptr("alice")},
			[]string{}},
		{"search_namespaces", root, gitlab.ListProjectsOptions{Search: gitlab.Ptr("alice/"), SearchNamespaces: gitlab.Ptr(true)},
			[]string{"alice/tools"}},
		{"owned by root", root, gitlab.ListProjectsOptions{Owned: gitlab.Ptr(true), OrderBy: gitlab.Ptr("id"), Sort: gitlab.Ptr("asc")},
			[]string{"root/zeta", "root/alpha-web", "root/ab"}},
		{"owned by alice", alice, gitlab.ListProjectsOptions{Owned: gitlab.Ptr(true)},
			[]string{"alice/tools"}},
		{"alice's memberships", alice, gitlab.ListProjectsOptions{Membership: gitlab.Ptr(true)},
			[]string{"alice/tools", "root/zeta"}},
		{"membership and search", alice, gitlab.ListProjectsOptions{Membership: gitlab.Ptr(true), Search: gitlab.Ptr("scripts")},
			[]string{"root/zeta"}},
		{"owned and membership", alice, gitlab.ListProjectsOptions{Owned: gitlab.Ptr(true), Membership: gitlab.Ptr(true)},
			[]string{"alice/tools"}},
		{"alice sees only her projects", alice, gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("name"), Sort: gitlab.Ptr("asc")},
			[]string{"alice/tools", "root/zeta"}},
		{"simple, filtered", root, gitlab.ListProjectsOptions{Simple: gitlab.Ptr(true), Search: gitlab.Ptr("tools")},
			[]string{"alice/tools"}},
	}
	for _, tc := range cases {
		got, _, err := tc.as.Projects.ListProjects(&tc.opts)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.want, projectPaths(got), tc.name)
	}

	// Pagination stays right with a filter: two matches, one per page.
	opts := &gitlab.ListProjectsOptions{Search: gitlab.Ptr("deploy"), OrderBy: gitlab.Ptr("name"), Sort: gitlab.Ptr("asc")}
	opts.PerPage = 1
	page1, resp, err := root.Projects.ListProjects(opts)
	require.NoError(t, err)
	require.Equal(t, []string{"alice/tools"}, projectPaths(page1))
	require.Equal(t, int64(2), resp.TotalItems)
	require.Equal(t, int64(2), resp.TotalPages)
	require.Equal(t, int64(2), resp.NextPage)
	next, err := url.Parse(linkNext(t, resp.Header.Get("Link")))
	require.NoError(t, err)
	require.Equal(t, "deploy", next.Query().Get("search"), "the next page keeps the filter")
	opts.Page = resp.NextPage
	page2, resp, err := root.Projects.ListProjects(opts)
	require.NoError(t, err)
	require.Equal(t, []string{"root/zeta"}, projectPaths(page2))
	require.Equal(t, int64(0), resp.NextPage)

	// Grape's answers to values it does not take.
	for _, bad := range []struct{ query, body string }{
		{"order_by=stars", `{"error":"order_by does not have a valid value"}`},
		{"order_by=", `{"error":"order_by does not have a valid value"}`},
		{"sort=up", `{"error":"sort does not have a valid value"}`},
		{"owned=maybe", `{"error":"owned is invalid"}`},
		{"membership=2", `{"error":"membership is invalid"}`},
		{"simple=x", `{"error":"simple is invalid"}`},
		{"search_namespaces=x", `{"error":"search_namespaces is invalid"}`},
	} {
		status, body := srv.Call(t, servertest.RootToken, http.MethodGet, "/api/v4/projects?"+bad.query, nil)
		require.Equal(t, http.StatusBadRequest, status, bad.query)
		require.JSONEq(t, bad.body, string(body), bad.query)
	}
	_, resp, err = root.Projects.ListProjects(&gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("stars")})
	requireStatus(t, err, http.StatusBadRequest)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func linkNext(t *testing.T, header string) string {
	t.Helper()
	for _, part := range splitLinks(header) {
		if part.rel == "next" {
			return part.url
		}
	}
	t.Fatalf("no next link in %q", header)
	return ""
}

var regexpLink = regexp.MustCompile(`<([^>]+)>; rel="([^"]+)"`)

type link struct{ url, rel string }

func splitLinks(header string) []link {
	var out []link
	for _, l := range regexpLink.FindAllStringSubmatch(header, -1) {
		out = append(out, link{url: l[1], rel: l[2]})
	}
	return out
}

// TestListProjectsSimpleBody checks simple=true's body as curl sees it:
// exactly GitLab's BasicProjectDetails keys, in its order.
func TestListProjectsSimpleBody(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.Root(t, http.MethodPost, "/api/v4/projects", map[string]any{"name": "demo", "description": "a demo"}, nil)

	status, body := srv.Call(t, servertest.RootToken, http.MethodGet, "/api/v4/projects?simple=true", nil)
	require.Equal(t, http.StatusOK, status)
	want := `[{"id":1,"description":"a demo","name":"demo","name_with_namespace":"Administrator / demo",` +
		`"path":"demo","path_with_namespace":"root/demo","created_at":"2026-01-02T03:04:05.678Z",` +
		`"default_branch":"main","tag_list":[],"topics":[],"ssh_url_to_repo":null,` +
		`"http_url_to_repo":"` + srv.ExternalURL + `/root/demo.git","web_url":"` + srv.ExternalURL + `/root/demo",` +
		`"readme_url":null,"forks_count":0,"avatar_url":null,"star_count":0,` +
		`"last_activity_at":"2026-01-02T03:04:05.678Z","namespace":{"id":1,"name":"Administrator","path":"root",` +
		`"kind":"user","full_path":"root","parent_id":null,"avatar_url":null,"web_url":"` + srv.ExternalURL + `/root"}}]`
	require.Equal(t, want, string(body), "byte for byte, key order included")

	// Without simple, the full entity.
	status, body = srv.Call(t, servertest.RootToken, http.MethodGet, "/api/v4/projects?simple=false", nil)
	require.Equal(t, http.StatusOK, status)
	var full []map[string]any
	require.NoError(t, json.Unmarshal(body, &full))
	require.Contains(t, full[0], "merge_method")
	require.Contains(t, full[0], "empty_repo")
}
