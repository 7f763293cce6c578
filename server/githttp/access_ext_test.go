package githttp_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestRolesOnRealProjects drives the git door with real git against a real
// server, so the domain's rules (roles, visibility, protected branches) are
// what decides.
func TestRolesOnRealProjects(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	token := func(name string, level int) string {
		var u struct {
			ID int64 `json:"id"`
		}
		srv.Root(t, "POST", "/api/v4/users", map[string]any{"username": name, "name": name, "email": name + "@example.test", "password": "unused-password"}, &u)
		var tok struct {
			Token string `json:"token"`
		}
		srv.Root(t, "POST", "/api/v4/users/"+itoa(u.ID)+"/personal_access_tokens", map[string]any{"name": "git", "scopes": []string{"api"}}, &tok)
		srv.Root(t, "POST", "/api/v4/projects/1/members", map[string]any{"user_id": u.ID, "access_level": level}, nil)
		return tok.Token
	}
	srv.Root(t, "POST", "/api/v4/projects", map[string]any{"name": "demo"}, nil)
	srv.Root(t, "POST", "/api/v4/projects/1/protected_branches", map[string]any{"name": "main"}, nil)
	reporter, developer, maintainer := token("rep", 20), token("dev", 30), token("maint", 40)
	url := func(tok string) string {
		return strings.Replace(srv.URL, "http://", "http://user:"+tok+"@", 1) + "/root/demo.git"
	}

	root := srv.Clone(t, "root/demo")
	root.Push("main", "", map[string]string{"README": "hello\n"})

	rep := gitrepotest.Clone(t, url(reporter))
	require.FileExists(t, rep.Dir+"/README", "reporters may clone")
	rep.Branch("rep-branch", "main")
	rep.Commit("rep", map[string]string{"r": "1\n"})
	out, err := rep.TryGit("push", "origin", "rep-branch")
	require.Error(t, err, "reporters may not push: %s", out)

	dev := gitrepotest.Clone(t, url(developer))
	dev.Branch("feature", "main")
	dev.Commit("dev", map[string]string{"d": "1\n"})
	dev.Git("push", "--quiet", "origin", "feature")
	dev.Checkout("main")
	dev.Commit("dev on main", map[string]string{"d": "2\n"})
	out, err = dev.TryGit("push", "origin", "main")
	require.Error(t, err, "developers may not push a protected branch: %s", out)

	maint := gitrepotest.Clone(t, url(maintainer))
	maint.Commit("maint on main", map[string]string{"m": "1\n"})
	maint.Git("push", "--quiet", "origin", "main")

	refs := root.Git("ls-remote", "origin")
	require.Contains(t, refs, "refs/heads/feature")
	require.NotContains(t, refs, "rep-branch")
	require.Contains(t, refs, maint.Git("rev-parse", "HEAD")+"\trefs/heads/main")

	// A protected branch refuses a rewrite, even a maintainer's, until its
	// protection allows force push.
	pushed := maint.Git("rev-parse", "HEAD")
	maint.Git("reset", "--quiet", "--hard", "HEAD~1")
	rewritten := maint.Commit("rewrite main", map[string]string{"m": "2\n"})
	out, err = maint.TryGit("push", "--force", "origin", "main")
	require.Error(t, err, "a protected branch refuses a force push: %s", out)
	require.Contains(t, root.Git("ls-remote", "origin", "refs/heads/main"), pushed)
	srv.Root(t, "DELETE", "/api/v4/projects/1/protected_branches/main", nil, nil)
	srv.Root(t, "POST", "/api/v4/projects/1/protected_branches", map[string]any{"name": "main", "allow_force_push": true}, nil)
	maint.Git("push", "--quiet", "--force", "origin", "main")
	require.Contains(t, root.Git("ls-remote", "origin", "refs/heads/main"), rewritten)

	// No credentials: a private project asks for them.
	anon := gitrepotest.NewWorktree(t)
	out, err = anon.TryGit("ls-remote", srv.URL+"/root/demo.git")
	require.Error(t, err, out)
	// A public one can be read by anyone.
	srv.Root(t, "PUT", "/api/v4/projects/1", map[string]any{"visibility": "public"}, nil)
	anon.Git("ls-remote", srv.URL+"/root/demo.git")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBranchRulesAreTheSameOnEveryDoor: the git door, the branches API and
// merging once each had their own idea of a protected branch and
// disagreed. Now they all ask project.BranchRules, which follows GitLab:
// the most permissive covering protection wins, "No one" stops
// administrators too, a protected branch is deleted only through the API,
// and whoever may push to a branch may also merge into it.
func TestBranchRulesAreTheSameOnEveryDoor(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	member := func(name string, level int) string {
		var u struct {
			ID int64 `json:"id"`
		}
		srv.Root(t, "POST", "/api/v4/users", map[string]any{"username": name, "name": name, "email": name + "@example.test", "password": "unused-password"}, &u)
		var tok struct {
			Token string `json:"token"`
		}
		srv.Root(t, "POST", "/api/v4/users/"+itoa(u.ID)+"/personal_access_tokens", map[string]any{"name": "git", "scopes": []string{"api"}}, &tok)
		srv.Root(t, "POST", "/api/v4/projects/1/members", map[string]any{"user_id": u.ID, "access_level": level}, nil)
		return tok.Token
	}
	srv.Root(t, "POST", "/api/v4/projects", map[string]any{"name": "demo"}, nil)
	root := srv.Clone(t, "root/demo")
	root.Push("main", "", map[string]string{"README": "hello\n"})
	root.Push("frozen", "main", map[string]string{"f": "1\n"})
	root.Push("release/2.0", "main", map[string]string{"r": "2\n"})
	for _, p := range []map[string]any{
		{"name": "main", "push_access_level": 30, "merge_access_level": 40},
		{"name": "release/*", "push_access_level": 40, "merge_access_level": 40},
		{"name": "release/1.0", "push_access_level": 30, "merge_access_level": 30},
		{"name": "frozen", "push_access_level": 0, "merge_access_level": 0},
	} {
		srv.Root(t, "POST", "/api/v4/projects/1/protected_branches", p, nil)
	}
	developer, maintainer := member("dev", 30), member("maint", 40)
	url := func(tok string) string {
		return strings.Replace(srv.URL, "http://", "http://user:"+tok+"@", 1) + "/root/demo.git"
	}
	remoteRef := func(ref string) string {
		sha, _, _ := strings.Cut(root.Git("ls-remote", "origin", ref), "\t")
		return sha
	}

	// Git: release/1.0 is covered by release/* (Maintainers) and by
	// release/1.0 (Developers); the permissive one wins.
	dev := gitrepotest.Clone(t, url(developer))
	dev.Branch("release/1.0", "origin/main")
	rel := dev.Commit("release 1.0", map[string]string{"v": "1.0\n"})
	dev.Git("push", "--quiet", "origin", "release/1.0")
	require.Equal(t, rel, remoteRef("refs/heads/release/1.0"))
	dev.Branch("release/2.0", "origin/release/2.0")
	dev.Commit("release 2.0", map[string]string{"v": "2.0\n"})
	out, err := dev.TryGit("push", "origin", "release/2.0")
	require.Error(t, err, "only release/* covers release/2.0: %s", out)

	// Git: "No one" is no one, the administrator included.
	frozen := remoteRef("refs/heads/frozen")
	root.Branch("frozen", "origin/frozen")
	root.Commit("thaw", map[string]string{"f": "2\n"})
	out, err = root.TryGit("push", "origin", "frozen")
	require.Error(t, err, out)
	require.Equal(t, frozen, remoteRef("refs/heads/frozen"))

	// Git: a maintainer who may push a protected branch still may not
	// delete it with git, only through the API.
	maint := gitrepotest.Clone(t, url(maintainer))
	out, err = maint.TryGit("push", "origin", ":release/1.0")
	require.Error(t, err, out)
	require.Equal(t, rel, remoteRef("refs/heads/release/1.0"))

	// The branches API reports the same rules.
	branch := func(token, name string) map[string]any {
		status, body := srv.Call(t, token, "GET", "/api/v4/projects/1/repository/branches/"+strings.ReplaceAll(name, "/", "%2F"), nil)
		require.Equal(t, http.StatusOK, status, string(body))
		var b map[string]any
		require.NoError(t, json.Unmarshal(body, &b))
		return b
	}
	for _, tt := range []struct {
		token, branch                                             string
		protected, developersCanPush, developersCanMerge, canPush bool
	}{
		{developer, "release/1.0", true, true, true, true},
		{developer, "release/2.0", true, false, false, false},
		{developer, "main", true, true, false, true},
		{servertest.RootToken, "frozen", true, false, false, false},
		{maintainer, "frozen", true, false, false, false},
	} {
		b := branch(tt.token, tt.branch)
		require.Equal(t, []any{tt.protected, tt.developersCanPush, tt.developersCanMerge, tt.canPush},
			[]any{b["protected"], b["developers_can_push"], b["developers_can_merge"], b["can_push"]}, tt.branch)
	}

	// Merging: a Developer may push to main, so may merge into it, though
	// its merge level is Maintainers (GitLab's can_be_merged_by is push or
	// merge); nobody merges into frozen.
	dev.Branch("feature", "origin/main")
	dev.Commit("feature", map[string]string{"feature": "1\n"})
	dev.Git("push", "--quiet", "origin", "feature")
	var mr struct {
		IID int64 `json:"iid"`
	}
	for i, target := range []string{"main", "frozen"} {
		srv.Root(t, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": "feature", "target_branch": target, "title": "Feature " + target}, &mr)
		require.Equal(t, int64(i+1), mr.IID)
	}
	status, body := srv.Call(t, developer, "PUT", "/api/v4/projects/1/merge_requests/1/merge", nil)
	require.Equal(t, http.StatusOK, status, string(body))
	for _, token := range []string{developer, maintainer, servertest.RootToken} {
		status, body = srv.Call(t, token, "PUT", "/api/v4/projects/1/merge_requests/2/merge", nil)
		require.Equal(t, http.StatusUnauthorized, status, string(body))
	}
	require.Equal(t, frozen, remoteRef("refs/heads/frozen"))
}
