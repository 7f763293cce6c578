package gitrepo_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

func TestInitMakesAServerRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runner := gitrepotest.NewRunner(t)
	dir := filepath.Join(t.TempDir(), "repositories", "7.git")
	repo, err := runner.Init(ctx, dir, "trunk")
	require.NoError(t, err)
	require.Equal(t, dir, repo.Dir())

	for key, want := range map[string]string{
		"core.bare":                   "true",
		"receive.denyNonFastForwards": "false",
		"core.logAllRefUpdates":       "true",
		"http.receivepack":            "true",
	} {
		require.Equal(t, want, gitrepotest.RunGit(t, dir, "config", "--get", key), key)
	}
	require.Equal(t, "refs/heads/trunk", gitrepotest.RunGit(t, dir, "symbolic-ref", "HEAD"))
	branch, err := repo.DefaultBranch(ctx)
	require.NoError(t, err)
	require.Equal(t, "trunk", branch)
	require.NoDirExists(t, filepath.Join(dir, "hooks"), "no sample hooks")

	refs, err := repo.Refs(ctx)
	require.NoError(t, err)
	require.Empty(t, refs)

	require.NoError(t, repo.SetDefaultBranch(ctx, "main"))
	branch, err = repo.DefaultBranch(ctx)
	require.NoError(t, err)
	require.Equal(t, "main", branch)

	// Init again keeps the repository.
	f := gitrepotest.New(t)
	sha := f.Commit("main", "", "base", map[string]string{"a": "a"})
	again, err := f.Runner.Init(ctx, f.Repo.Dir(), "main")
	require.NoError(t, err)
	got, err := again.Ref(ctx, "refs/heads/main")
	require.NoError(t, err)
	require.Equal(t, sha, got)
}

func TestInitRefusesBadBranchNames(t *testing.T) {
	t.Parallel()
	runner := gitrepotest.NewRunner(t)
	dir := filepath.Join(t.TempDir(), "x.git")
	_, err := runner.Init(context.Background(), dir, "bad..name")
	require.ErrorIs(t, err, gitrepo.ErrInvalidRefName)
	_, statErr := os.Stat(dir)
	require.ErrorIs(t, statErr, os.ErrNotExist)
}

func TestRefs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	main := f.Commit("main", "", "base", map[string]string{"a.txt": "a\n"})
	feature := f.Commit("feature/x", "main", "feature", map[string]string{"b.txt": "b\n"})
	f.Work.Git("tag", "v1", main)
	f.Work.Git("push", "--quiet", "origin", "v1")

	refs, err := f.Repo.Refs(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"refs/heads/main":      main,
		"refs/heads/feature/x": feature,
		"refs/tags/v1":         main,
	}, refs)

	heads, err := f.Repo.Refs(ctx, "refs/heads/feature")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"refs/heads/feature/x": feature}, heads)

	got, err := f.Repo.Ref(ctx, "refs/heads/feature/x")
	require.NoError(t, err)
	require.Equal(t, feature, got)

	// "refs/heads/feature" is only a prefix of an existing ref.
	_, err = f.Repo.Ref(ctx, "refs/heads/feature")
	require.ErrorIs(t, err, gitrepo.ErrNotFound)
	_, err = f.Repo.Ref(ctx, "refs/heads/nope")
	require.ErrorIs(t, err, gitrepo.ErrNotFound)
	_, err = f.Repo.Ref(ctx, "main")
	require.ErrorIs(t, err, gitrepo.ErrInvalidRefName, "short names are refused")
}

func TestUpdateRefCompareAndSwap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	one := f.Commit("main", "", "one", map[string]string{"a": "1"})
	two := f.Commit("main", "", "two", map[string]string{"a": "2"})
	const train = "refs/merge-requests/1/train"

	// Create: the ref must not exist.
	require.NoError(t, f.Repo.UpdateRef(ctx, train, one, ""))
	require.ErrorIs(t, f.Repo.UpdateRef(ctx, train, two, ""), gitrepo.ErrStaleRef)
	requireRef(t, f.Repo, train, one)

	// Update: only from the expected value.
	require.ErrorIs(t, f.Repo.UpdateRef(ctx, train, one, two), gitrepo.ErrStaleRef)
	requireRef(t, f.Repo, train, one)
	require.NoError(t, f.Repo.UpdateRef(ctx, train, two, one))
	requireRef(t, f.Repo, train, two)

	// An update of a missing ref is stale too.
	require.ErrorIs(t, f.Repo.UpdateRef(ctx, "refs/heads/gone", two, one), gitrepo.ErrStaleRef)

	// Delete: only from the expected value; unconditional when none given.
	require.ErrorIs(t, f.Repo.DeleteRef(ctx, train, one), gitrepo.ErrStaleRef)
	requireRef(t, f.Repo, train, two)
	require.NoError(t, f.Repo.DeleteRef(ctx, train, two))
	_, err := f.Repo.Ref(ctx, train)
	require.ErrorIs(t, err, gitrepo.ErrNotFound)
	require.NoError(t, f.Repo.UpdateRef(ctx, train, one, ""))
	require.NoError(t, f.Repo.DeleteRef(ctx, train, ""))
	require.NoError(t, f.Repo.DeleteRef(ctx, train, ""), "deleting a missing ref unconditionally succeeds")

	// Several refs move together or not at all.
	err = f.Repo.UpdateRefs(ctx,
		gitrepo.RefUpdate{Ref: "refs/heads/main", Old: two, New: one},
		gitrepo.RefUpdate{Ref: "refs/heads/other", Old: one, New: two}, // does not exist
	)
	require.ErrorIs(t, err, gitrepo.ErrStaleRef)
	requireRef(t, f.Repo, "refs/heads/main", two)
	require.NoError(t, f.Repo.UpdateRefs(ctx,
		gitrepo.RefUpdate{Ref: "refs/heads/main", Old: two, New: one},
		gitrepo.RefUpdate{Ref: "refs/heads/other", New: two},
	))
	requireRef(t, f.Repo, "refs/heads/main", one)
	requireRef(t, f.Repo, "refs/heads/other", two)

	// Only full names under refs/, only object ids.
	require.ErrorIs(t, f.Repo.UpdateRef(ctx, "HEAD", one, two), gitrepo.ErrInvalidRefName)
	require.ErrorIs(t, f.Repo.UpdateRef(ctx, "main", one, two), gitrepo.ErrInvalidRefName)
	require.ErrorIs(t, f.Repo.UpdateRef(ctx, "refs/heads/main", "refs/heads/other", one), gitrepo.ErrUnsafeArgument)
	require.ErrorIs(t, f.Repo.UpdateRefs(ctx, gitrepo.RefUpdate{Ref: "refs/heads/main"}), gitrepo.ErrUnsafeArgument)
}

func TestUpdateRefRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	base := f.Commit("main", "", "base", map[string]string{"a": "a"})
	baseCommit, err := f.Repo.Commit(ctx, base)
	require.NoError(t, err)

	const writers = 8
	candidates := make([]string, writers)
	for i := range candidates {
		candidates[i], err = f.Repo.CommitTree(ctx, gitrepo.CommitSpec{
			Tree: baseCommit.Tree, Parents: []string{base}, Message: "candidate",
			Author: gitrepotest.Signature(100 + i), Committer: gitrepotest.Signature(100 + i),
		})
		require.NoError(t, err)
	}

	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			errs[i] = f.Repo.UpdateRef(ctx, "refs/heads/main", candidates[i], base)
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "two writers both moved main from the same old value")
			winner = i
			continue
		}
		require.ErrorIs(t, err, gitrepo.ErrStaleRef)
	}
	require.NotEqual(t, -1, winner, "no writer won")
	requireRef(t, f.Repo, "refs/heads/main", candidates[winner])
}

func requireRef(t *testing.T, repo *gitrepo.Repo, ref, want string) {
	t.Helper()
	got, err := repo.Ref(context.Background(), ref)
	require.NoError(t, err)
	require.Equal(t, want, got, ref)
}
