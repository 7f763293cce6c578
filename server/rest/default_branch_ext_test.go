package rest_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// remoteHead is the branch the server's HEAD names, as a clone sees it.
func remoteHead(t *testing.T, w *servertest.Worktree) string {
	t.Helper()
	out := w.Git("ls-remote", "--symref", "origin", "HEAD")
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "ref: refs/heads/"); ok {
			name, _, _ := strings.Cut(rest, "\t")
			return name
		}
	}
	t.Fatalf("no symbolic HEAD in %q", out)
	return ""
}

// TestFirstPushSettlesDefaultBranch: an empty project says so (empty_repo)
// and names its configured branch, as GitLab's default_branch_or_main does;
// its first push makes the configured branch the default when it pushed
// it, else the first branch it pushed, and later pushes change nothing.
func TestFirstPushSettlesDefaultBranch(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	get := func(id int64) *gitlab.Project {
		t.Helper()
		p, _, err := root.Projects.GetProject(id, nil)
		require.NoError(t, err)
		return p
	}

	// Only another branch is pushed: it becomes the default.
	p, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("feat")})
	require.NoError(t, err)
	require.True(t, p.EmptyRepo)
	require.Equal(t, "main", p.DefaultBranch)
	w := srv.Clone(t, "root/feat")
	w.Push("feature", "", map[string]string{"a.txt": "a"})
	p = get(p.ID)
	require.False(t, p.EmptyRepo)
	require.Equal(t, "feature", p.DefaultBranch)
	require.Equal(t, "feature", remoteHead(t, w), "HEAD follows, so a clone checks out the default")
	branches, _, err := root.Branches.ListBranches(p.ID, nil)
	require.NoError(t, err)
	require.Len(t, branches, 1)
	require.True(t, branches[0].Default)
	// The configured branch pushed later does not take over.
	w.Push("main", "feature", map[string]string{"b.txt": "b"})
	require.Equal(t, "feature", get(p.ID).DefaultBranch)

	// The configured branch, pushed with others, is the default.
	p, _, err = root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("both"), DefaultBranch: gitlab.Ptr("trunk")})
	require.NoError(t, err)
	require.Equal(t, "trunk", p.DefaultBranch)
	w = srv.Clone(t, "root/both")
	w.Checkout("aaa")
	w.Commit("one", map[string]string{"a.txt": "a"})
	w.Branch("trunk", "aaa")
	w.Git("push", "--quiet", "origin", "aaa", "trunk")
	p = get(p.ID)
	require.False(t, p.EmptyRepo)
	require.Equal(t, "trunk", p.DefaultBranch)
	require.Equal(t, "trunk", remoteHead(t, w))

	// A project updated while empty keeps the first push's choice.
	p, _, err = root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("edited")})
	require.NoError(t, err)
	w = srv.Clone(t, "root/edited")
	w.Push("dev", "", map[string]string{"a.txt": "a"})
	_, _, err = root.Projects.EditProject(p.ID, &gitlab.EditProjectOptions{Description: gitlab.Ptr("changed")})
	require.NoError(t, err)
	require.Equal(t, "dev", get(p.ID).DefaultBranch)
	// And a default branch set after it is kept.
	w.Push("release", "dev", map[string]string{"b.txt": "b"})
	_, _, err = root.Projects.EditProject(p.ID, &gitlab.EditProjectOptions{DefaultBranch: gitlab.Ptr("release")})
	require.NoError(t, err)
	require.Equal(t, "release", get(p.ID).DefaultBranch)
}

// TestRacingFirstPushesAgree pushes two branches to an empty project at
// once, from two clones: one of them becomes the default, every read and
// the repository's HEAD agree on which, and it stays so.
func TestRacingFirstPushesAgree(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	const rounds = 3
	for i := range rounds {
		name := "race" + string(rune('a'+i))
		p, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr(name)})
		require.NoError(t, err)
		left, right := srv.Clone(t, "root/"+name), srv.Clone(t, "root/"+name)
		left.Checkout("left")
		left.Commit("left", map[string]string{"l.txt": "l"})
		right.Checkout("right")
		right.Commit("right", map[string]string{"r.txt": "r"})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, w := range []*servertest.Worktree{left, right} {
			wg.Go(func() { _, errs[j] = w.TryGit("push", "--quiet", "origin", "HEAD") })
		}
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])

		got, _, err := root.Projects.GetProject(p.ID, nil)
		require.NoError(t, err)
		require.False(t, got.EmptyRepo)
		require.Contains(t, []string{"left", "right"}, got.DefaultBranch)
		require.Equal(t, got.DefaultBranch, remoteHead(t, left))
		list, _, err := root.Projects.ListProjects(&gitlab.ListProjectsOptions{Search: gitlab.Ptr(name), Simple: gitlab.Ptr(true)})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, got.DefaultBranch, list[0].DefaultBranch)
		// A later push of the other branch does not flip it.
		other := map[string]*servertest.Worktree{"left": right, "right": left}[got.DefaultBranch]
		other.Commit("more", map[string]string{"m.txt": "m"})
		other.Git("push", "--quiet", "origin", "HEAD")
		again, _, err := root.Projects.GetProject(p.ID, nil)
		require.NoError(t, err)
		require.Equal(t, got.DefaultBranch, again.DefaultBranch)
	}
}
