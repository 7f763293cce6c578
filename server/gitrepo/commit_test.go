package gitrepo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

func TestCommitReadsWhatGitWrote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	first := f.Commit("main", "", "Add readme\n\nWith a body.", map[string]string{"README.md": "hi\n"})
	second := f.Commit("main", "", "Second", map[string]string{"b": "b\n"})

	c, err := f.Repo.Commit(ctx, second)
	require.NoError(t, err)
	require.Equal(t, second, c.SHA)
	require.Equal(t, gitrepotest.RunGit(t, f.Repo.Dir(), "rev-parse", second+"^{tree}"), c.Tree)
	require.Equal(t, []string{first}, c.Parents)
	require.Equal(t, gitrepotest.Name, c.Author.Name)
	require.Equal(t, gitrepotest.Email, c.Committer.Email)
	require.True(t, gitrepotest.At(2).Equal(c.Author.When), "author time %v", c.Author.When)
	require.True(t, gitrepotest.At(2).Equal(c.Committer.When))
	require.Equal(t, "Second\n", c.Message)
	require.Equal(t, "Second", c.Title())

	byRef, err := f.Repo.Commit(ctx, "refs/heads/main~1")
	require.NoError(t, err)
	require.Equal(t, first, byRef.SHA)
	require.Empty(t, byRef.Parents)
	require.Equal(t, "Add readme\n\nWith a body.\n", byRef.Message)
	require.Equal(t, "Add readme", byRef.Title())

	_, err = f.Repo.Commit(ctx, strings.Repeat("ab", 20))
	require.ErrorIs(t, err, gitrepo.ErrNotFound)
	_, err = f.Repo.Commit(ctx, c.Tree)
	require.ErrorIs(t, err, gitrepo.ErrNotFound, "a tree is not a commit")
	_, err = f.Repo.Commit(ctx, "main\nrefs/heads/main")
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
}

func TestCommitTreeIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	base := f.Commit("main", "", "base", map[string]string{"a": "a\n"})
	baseCommit, err := f.Repo.Commit(ctx, base)
	require.NoError(t, err)

	zone := time.FixedZone("CEST", 2*60*60)
	spec := gitrepo.CommitSpec{
		Tree:      baseCommit.Tree,
		Parents:   []string{base},
		Message:   "- starts with a dash\n\nand has a body",
		Author:    gitrepo.Signature{Name: "Ada", Email: "ada@example.com", When: time.Date(2025, 5, 6, 7, 8, 9, 0, zone)},
		Committer: gitrepo.Signature{Name: "Signalbox", Email: "bot@example.com", When: time.Date(2025, 5, 6, 8, 0, 0, 0, time.UTC)},
	}
	sha, err := f.Repo.CommitTree(ctx, spec)
	require.NoError(t, err)
	again, err := f.Repo.CommitTree(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, sha, again, "the same spec gives the same commit")

	raw := gitrepotest.RunGit(t, f.Repo.Dir(), "cat-file", "commit", sha)
	require.Contains(t, raw, "author Ada <ada@example.com> 1746508089 +0200")
	require.Contains(t, raw, "committer Signalbox <bot@example.com> 1746518400 +0000")

	c, err := f.Repo.Commit(ctx, sha)
	require.NoError(t, err)
	require.Equal(t, spec.Message+"\n", c.Message)
	require.True(t, spec.Author.When.Equal(c.Author.When))
	_, offset := c.Author.When.Zone()
	require.Equal(t, 2*60*60, offset, "the author's time zone is kept")

	// The same steps in another repository give the same shas.
	g := gitrepotest.New(t)
	require.Equal(t, base, g.Commit("main", "", "base", map[string]string{"a": "a\n"}))
	other, err := g.Repo.CommitTree(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, sha, other)

	spec.Author.When = spec.Author.When.Add(time.Second)
	later, err := f.Repo.CommitTree(ctx, spec)
	require.NoError(t, err)
	require.NotEqual(t, sha, later)
}

func TestCommitTreeRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	good := gitrepotest.Signature(1)
	for name, sig := range map[string]gitrepo.Signature{
		"no name":      {Email: "a@example.com", When: good.When},
		"no email":     {Name: "A", When: good.When},
		"no time":      {Name: "A", Email: "a@example.com"},
		"header forge": {Name: "A\ncommitter Eve", Email: "a@example.com", When: good.When},
		"angle":        {Name: "A", Email: "a@example.com> 0 +0000", When: good.When},
	} {
		_, err := f.Repo.CommitTree(ctx, gitrepo.CommitSpec{
			Tree: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", Message: "x", Author: sig, Committer: good,
		})
		require.ErrorIs(t, err, gitrepo.ErrInvalidSignature, name)
	}
}

func TestAncestry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	base := f.Commit("main", "", "base", map[string]string{"a": "a\n"})
	f1 := f.Commit("feature", "main", "f1", map[string]string{"f": "1\n"})
	f2 := f.Commit("feature", "", "f2", map[string]string{"f": "2\n"})
	m1 := f.Commit("main", "", "m1", map[string]string{"m": "1\n"})

	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{base, f2, true},
		{f1, f2, true},
		{f2, f2, true},
		{f2, f1, false},
		{m1, f2, false},
		{base, m1, true},
	} {
		got, err := f.Repo.IsAncestor(ctx, tt.a, tt.b)
		require.NoError(t, err)
		require.Equal(t, tt.want, got, "%s ancestor of %s", tt.a, tt.b)
	}
	_, err := f.Repo.IsAncestor(ctx, strings.Repeat("ab", 20), f2)
	require.Error(t, err, "an unknown commit is an error, not a no")

	mb, err := f.Repo.MergeBase(ctx, m1, f2)
	require.NoError(t, err)
	require.Equal(t, base, mb)

	n, err := f.Repo.CountCommits(ctx, m1, f2)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	ahead, behind, err := f.Repo.AheadBehind(ctx, m1, f2)
	require.NoError(t, err)
	require.Equal(t, 2, ahead)
	require.Equal(t, 1, behind)

	baseCommit, err := f.Repo.Commit(ctx, base)
	require.NoError(t, err)
	root, err := f.Repo.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: baseCommit.Tree, Message: "unrelated",
		Author: gitrepotest.Signature(50), Committer: gitrepotest.Signature(50),
	})
	require.NoError(t, err)
	_, err = f.Repo.MergeBase(ctx, root, f2)
	require.ErrorIs(t, err, gitrepo.ErrNoMergeBase)
	_, err = f.Repo.MergeTree(ctx, root, f2)
	require.ErrorIs(t, err, gitrepo.ErrNoMergeBase)
	_, err = f.Repo.MergeTree(ctx, "refs/heads/nope", f2)
	require.ErrorIs(t, err, gitrepo.ErrNotFound)
}
