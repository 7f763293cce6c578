package gitrepo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

// TestRefFilesMatchForEachRef: reading the ref files gives what "git
// for-each-ref" gives, for loose refs, packed refs, loose refs over packed
// ones and deleted refs, and leaves to git what it does not handle.
func TestRefFilesMatchForEachRef(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	main := f.Commit("main", "", "base", map[string]string{"a.txt": "a\n"})
	f.Commit("feature/x", "main", "feature", map[string]string{"b.txt": "b\n"})
	f.Commit("release/1.0", "main", "release", map[string]string{"c.txt": "c\n"})
	f.Work.Git("tag", "v1", main)
	f.Work.Git("-c", "user.name=T", "-c", "user.email=t@example.com", "tag", "-a", "-m", "annotated", "v2", main) // packed with a peeled line
	f.Work.Git("push", "--quiet", "origin", "v1", "v2")

	patterns := [][]string{
		nil, {"refs/heads/"}, {"refs/heads"}, {"refs/heads/feature"}, {"refs/heads/feature/x"},
		{"refs/heads/mai"}, {"refs/heads/nope"}, {"refs/tags/"}, {"refs/heads/main", "refs/tags/v1"}, {"refs"},
	}
	same := func(step string) {
		t.Helper()
		for _, p := range patterns {
			fromFiles, ok := f.Repo.ReadRefFiles(p...)
			require.True(t, ok, "%s: %q left to git", step, p)
			fromGit, err := f.Repo.ForEachRef(ctx, p...)
			require.NoError(t, err)
			require.Equal(t, fromGit, fromFiles, "%s: %q", step, p)
		}
		// Ref reads one loose file when it can; it must agree with git too.
		all, err := f.Repo.ForEachRef(ctx)
		require.NoError(t, err)
		for _, name := range []string{"refs/heads/main", "refs/heads/feature/x", "refs/heads/release/1.0",
			"refs/tags/v1", "refs/tags/v2", "refs/heads/feature", "refs/heads/nope"} {
			sha, err := f.Repo.Ref(ctx, name)
			if want, ok := all[name]; ok {
				require.NoError(t, err, "%s: Ref(%s)", step, name)
				require.Equal(t, want, sha, "%s: Ref(%s)", step, name)
			} else {
				require.ErrorIs(t, err, gitrepo.ErrNotFound, "%s: Ref(%s)", step, name)
			}
		}
	}
	same("loose")

	_, err := f.Repo.Run(ctx, gitrepo.NewCommand("pack-refs", "--all"), nil)
	require.NoError(t, err)
	same("packed")

	f.Commit("main", "", "moved", map[string]string{"a.txt": "a2\n"})
	same("loose over packed")

	f.Work.Git("push", "--quiet", "origin", ":release/1.0")
	same("deleted")

	// A ref being written leaves a lock file, which git ignores.
	lock := filepath.Join(f.Repo.Dir(), "refs", "heads", "main.lock")
	require.NoError(t, os.WriteFile(lock, []byte("garbage\n"), 0o600))
	same("lock file")
	require.NoError(t, os.Remove(lock))

	// Wildcards and symbolic refs are git's to answer.
	_, ok := f.Repo.ReadRefFiles("refs/heads/*")
	require.False(t, ok)
	_, err = f.Repo.Run(ctx, gitrepo.NewCommand("symbolic-ref", "refs/heads/alias", "refs/heads/main"), nil)
	require.NoError(t, err)
	_, ok = f.Repo.ReadRefFiles("refs/heads/")
	require.False(t, ok)
	refs, err := f.Repo.Refs(ctx, "refs/heads/")
	require.NoError(t, err)
	fromGit, err := f.Repo.ForEachRef(ctx, "refs/heads/")
	require.NoError(t, err)
	require.Equal(t, fromGit, refs)
	require.Contains(t, refs, "refs/heads/alias")
}
