package repository_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/repository"
)

// TestRememberedAnswersAreGitsAndPrivate: asked twice, the answers about
// commits are the same as git's first ones, and changing what one caller
// got does not change what the next one gets.
func TestRememberedAnswersAreGitsAndPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runner := gitrepotest.NewRunner(t)
	git := repository.NewGit(runner, t.TempDir())
	p := &storagev1.Project{Id: 7, DefaultBranch: "main"}
	require.NoError(t, git.Init(ctx, p))
	f := &gitrepotest.Fixture{Runner: runner, Repo: runner.Open(git.Dir(7)), Work: gitrepotest.Clone(t, git.Dir(7))}
	base := f.Commit("main", "", "base", map[string]string{"a.txt": "a\n"})
	ours := f.Commit("main", "", "ours", map[string]string{"a.txt": "ours\n"})
	theirs := f.Commit("feature", base, "theirs", map[string]string{"a.txt": "theirs\n"})
	repo, err := git.Open(ctx, p)
	require.NoError(t, err)

	for range 2 {
		paths, err := repo.Conflicts(ctx, ours, theirs)
		require.NoError(t, err)
		require.Equal(t, []string{"a.txt"}, paths)
		paths[0] = "changed by the caller"

		mb, err := repo.MergeBase(ctx, ours, theirs)
		require.NoError(t, err)
		require.Equal(t, base, mb)

		yes, err := repo.IsAncestor(ctx, base, ours)
		require.NoError(t, err)
		require.True(t, yes)

		c, err := repo.Commit(ctx, ours)
		require.NoError(t, err)
		require.Equal(t, ours, c.ID)
		require.Equal(t, []string{base}, c.ParentIDs)
		c.ParentIDs[0] = "changed by the caller"
	}
	clean, err := repo.Conflicts(ctx, base, theirs)
	require.NoError(t, err)
	require.Empty(t, clean)
}
