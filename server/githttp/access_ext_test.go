package githttp_test

import (
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
