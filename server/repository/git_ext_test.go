package repository_test

import (
	"context"
	"os/exec"
	"strings"
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
	t.Cleanup(func() { _ = git.Close() })
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

// TestGitBytesBecomeValidUTF8: what git holds need not be UTF-8; what the
// repository hands the rest of the server is, with GitLab-style replacement
// (gitrepo.Display): a commit's message and identities, and conflicting
// paths. A branch whose name is not UTF-8 is left out, since no request can
// name it and its shown name would not address it.
func TestGitBytesBecomeValidUTF8(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runner := gitrepotest.NewRunner(t)
	git := repository.NewGit(runner, t.TempDir())
	t.Cleanup(func() { _ = git.Close() })
	p := &storagev1.Project{Id: 7, DefaultBranch: "main"}
	require.NoError(t, git.Init(ctx, p))
	f := &gitrepotest.Fixture{Runner: runner, Repo: runner.Open(git.Dir(7)), Work: gitrepotest.Clone(t, git.Dir(7))}
	base := f.Commit("main", "", "base", map[string]string{"\xff.txt": "base\n"})
	ours := f.Commit("main", "", "ours", map[string]string{"\xff.txt": "ours\n"})
	// git commit would take the message for Latin-1 and convert it; a
	// client can write any bytes, as here.
	odd := rawCommit(t, f.Work.Dir, base+"^{tree}", base,
		"Ren\xe9e <ren\xe9e@example.test> 1700000000 +0000", "Committer \xfe <c@example.test> 1700000000 +0000",
		"Caf\xe9 \xe2\x82\n\nbody \xff\n")
	f.Work.Git("push", "--quiet", "origin", odd+":refs/heads/feature", odd+":refs/heads/\xff")
	f.Work.Git("fetch", "--quiet", "origin")
	theirs := f.Commit("feature", "origin/feature", "theirs", map[string]string{"\xff.txt": "theirs\n"})
	repo, err := git.Open(ctx, p)
	require.NoError(t, err)

	c, err := repo.Commit(ctx, odd)
	require.NoError(t, err)
	require.Equal(t, "Caf\uFFFD \uFFFD", c.Title)
	require.Equal(t, "Caf\uFFFD \uFFFD\n\nbody \uFFFD\n", c.Message)
	require.Equal(t, "Ren\uFFFDe", c.AuthorName)
	require.Equal(t, "ren\uFFFDe@example.test", c.AuthorEmail)
	require.Equal(t, "Committer \uFFFD", c.CommitterName)

	paths, err := repo.Conflicts(ctx, ours, theirs)
	require.NoError(t, err)
	require.Equal(t, []string{"\uFFFD.txt"}, paths)
	_, err = repo.BuildMerge(ctx, repository.MergeSpec{Target: ours, Source: theirs, Method: "merge",
		AuthorName: "A", AuthorEmail: "a@example.test", Time: gitrepotest.At(1)})
	var ce *repository.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"\uFFFD.txt"}, ce.Paths)
	_, err = repo.Rebase(ctx, ours, theirs, "A", "a@example.test", gitrepotest.At(1))
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"\uFFFD.txt"}, ce.Paths)

	branches, err := repo.Branches(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"main": ours, "feature": theirs}, branches)
}

// rawCommit writes a commit object byte for byte, as any client can, and
// returns its sha.
func rawCommit(t *testing.T, dir, tree, parent, author, committer, message string) string {
	t.Helper()
	treeID := gitrepotest.RunGit(t, dir, "rev-parse", tree)
	obj := "tree " + treeID + "\nparent " + parent + "\nauthor " + author + "\ncommitter " + committer + "\n\n" + message
	cmd := exec.Command("git", "hash-object", "-t", "commit", "-w", "--stdin")
	cmd.Dir = dir
	cmd.Env = gitrepotest.Env(t.TempDir())
	cmd.Stdin = strings.NewReader(obj)
	out, err := cmd.Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// TestRemoveStopsTheRepositorysCatFile: deleting a project's repository
// ends the git process kept for reading it.
func TestRemoveStopsTheRepositorysCatFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runner := gitrepotest.NewRunner(t)
	git := repository.NewGit(runner, t.TempDir())
	t.Cleanup(func() { _ = git.Close() })
	p := &storagev1.Project{Id: 7, DefaultBranch: "main"}
	require.NoError(t, git.Init(ctx, p))
	f := &gitrepotest.Fixture{Runner: runner, Repo: runner.Open(git.Dir(7)), Work: gitrepotest.Clone(t, git.Dir(7))}
	sha := f.Commit("main", "", "base", map[string]string{"a.txt": "a\n"})
	repo, err := git.Open(ctx, p)
	require.NoError(t, err)
	c, err := repo.Commit(ctx, sha)
	require.NoError(t, err)
	require.Equal(t, sha, c.ID)
	require.Equal(t, 1, git.CatFiles().Running())

	require.NoError(t, git.Remove(ctx, 7))
	require.Zero(t, git.CatFiles().Running())
}
