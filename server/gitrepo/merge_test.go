package gitrepo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

// history is the usual shape of merge requests:
//
//	base ── m1                  main
//	   │     └── r1             rebased: contains main
//	   ├── f1 ── f2             feature: diverged from main
//	   └── c1                   conflicting: edits b.txt and c.txt as m1 does
type history struct {
	*gitrepotest.Fixture
	base, m1, f1, f2, r1, c1 string
}

func newHistory(t *testing.T) *history {
	t.Helper()
	f := gitrepotest.New(t)
	h := &history{Fixture: f}
	h.base = f.Commit("main", "", "base", map[string]string{"a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"})
	h.f1 = f.Commit("feature", h.base, "Feature one", map[string]string{"a.txt": "a feature\n"})
	h.f2 = f.Commit("feature", "", "Feature two", map[string]string{"new.txt": "new\n"})
	h.m1 = f.Commit("main", "", "Main moves", map[string]string{"b.txt": "b main\n", "c.txt": "c main\n"})
	h.r1 = f.Commit("rebased", h.m1, "Rebased feature", map[string]string{"a.txt": "a rebased\n"})
	h.c1 = f.Commit("conflicting", h.base, "Conflicting", map[string]string{"b.txt": "b other\n", "c.txt": "c other\n"})
	return h
}

func (h *history) params(method gitrepo.Method, source string) gitrepo.MergeParams {
	return gitrepo.MergeParams{
		Target: h.m1,
		Source: source,
		Method: method,
		Request: gitrepo.MergeRequestInfo{
			SourceBranch: "feature", TargetBranch: "main", Title: "Add the feature",
			ProjectPath: "root/demo", IID: 1,
		},
		Author:    gitrepotest.Signature(60),
		Committer: gitrepotest.Signature(61),
	}
}

func (h *history) show(t *testing.T, rev, path string) string {
	t.Helper()
	return gitrepotest.Show(t, h.Repo.Dir(), rev, path)
}

func (h *history) commit(t *testing.T, sha string) *gitrepo.Commit {
	t.Helper()
	c, err := h.Repo.Commit(context.Background(), sha)
	require.NoError(t, err)
	return c
}

func TestMergeCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHistory(t)

	res, err := h.Repo.Merge(ctx, h.params(gitrepo.MethodMerge, h.f2))
	require.NoError(t, err)
	require.Equal(t, res.SHA, res.MergeCommitSHA)
	require.Empty(t, res.SquashCommitSHA)

	c := h.commit(t, res.SHA)
	require.Equal(t, []string{h.m1, h.f2}, c.Parents)
	require.Equal(t, "Merge branch 'feature' into 'main'\n\nAdd the feature\n\nSee merge request root/demo!1\n", c.Message)
	require.Equal(t, gitrepotest.Signature(60).When, c.Author.When.UTC())
	require.Equal(t, gitrepotest.Signature(61).When, c.Committer.When.UTC())
	require.Equal(t, "a feature", h.show(t, res.SHA, "a.txt"))
	require.Equal(t, "b main", h.show(t, res.SHA, "b.txt"))
	require.Equal(t, "c main", h.show(t, res.SHA, "c.txt"))
	require.Equal(t, "new", h.show(t, res.SHA, "new.txt"))
	// git agrees that both sides are merged.
	gitrepotest.RunGit(t, h.Repo.Dir(), "merge-base", "--is-ancestor", h.f2, res.SHA)
	gitrepotest.RunGit(t, h.Repo.Dir(), "merge-base", "--is-ancestor", h.m1, res.SHA)

	// A merge commit even when a fast-forward would do, and the caller's
	// message when given.
	p := h.params(gitrepo.MethodMerge, h.r1)
	p.Message = "Custom message"
	res, err = h.Repo.Merge(ctx, p)
	require.NoError(t, err)
	c = h.commit(t, res.SHA)
	require.Equal(t, []string{h.m1, h.r1}, c.Parents)
	require.Equal(t, "Custom message\n", c.Message)
	require.Equal(t, h.commit(t, h.r1).Tree, c.Tree)

	// Landing it is the caller's compare-and-swap.
	require.NoError(t, h.Repo.UpdateRef(ctx, "refs/heads/main", res.SHA, h.m1))
	require.ErrorIs(t, h.Repo.UpdateRef(ctx, "refs/heads/main", res.SHA, h.m1), gitrepo.ErrStaleRef)
}

func TestMergeRebaseMerge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHistory(t)

	_, err := h.Repo.Merge(ctx, h.params(gitrepo.MethodRebaseMerge, h.f2))
	require.ErrorIs(t, err, gitrepo.ErrNeedsRebase)

	res, err := h.Repo.Merge(ctx, h.params(gitrepo.MethodRebaseMerge, h.r1))
	require.NoError(t, err)
	require.Equal(t, res.SHA, res.MergeCommitSHA)
	c := h.commit(t, res.SHA)
	require.Equal(t, []string{h.m1, h.r1}, c.Parents)
	require.Equal(t, h.commit(t, h.r1).Tree, c.Tree)
	require.Equal(t, "a rebased", h.show(t, res.SHA, "a.txt"))
}

func TestMergeFastForward(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHistory(t)

	_, err := h.Repo.Merge(ctx, h.params(gitrepo.MethodFastForward, h.f2))
	require.ErrorIs(t, err, gitrepo.ErrNeedsRebase)

	res, err := h.Repo.Merge(ctx, h.params(gitrepo.MethodFastForward, h.r1))
	require.NoError(t, err)
	require.Equal(t, gitrepo.MergeResult{SHA: h.r1}, res, "fast-forward lands the source itself")
}

func TestMergeSquash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHistory(t)

	// Merge commit on top of a squash commit.
	p := h.params(gitrepo.MethodMerge, h.f2)
	p.Squash = true
	p.SquashAuthor = gitrepo.Signature{Name: "MR Author", Email: "author@example.com", When: gitrepotest.At(59)}
	res, err := h.Repo.Merge(ctx, p)
	require.NoError(t, err)
	require.NotEmpty(t, res.SquashCommitSHA)
	squash := h.commit(t, res.SquashCommitSHA)
	require.Equal(t, []string{h.m1}, squash.Parents, "one commit on top of the target")
	require.Equal(t, "Add the feature\n", squash.Message, "GitLab's default squash message is the title")
	require.Equal(t, "MR Author", squash.Author.Name)
	require.Equal(t, gitrepotest.Name, squash.Committer.Name)
	require.Equal(t, "a feature", h.show(t, res.SquashCommitSHA, "a.txt"))
	require.Equal(t, "b main", h.show(t, res.SquashCommitSHA, "b.txt"))
	require.Equal(t, "new", h.show(t, res.SquashCommitSHA, "new.txt"))
	merge := h.commit(t, res.SHA)
	require.Equal(t, res.SHA, res.MergeCommitSHA)
	require.Equal(t, []string{h.m1, res.SquashCommitSHA}, merge.Parents)
	require.Equal(t, squash.Tree, merge.Tree)

	// Fast-forward to a squash commit.
	p = h.params(gitrepo.MethodFastForward, h.r1)
	p.Squash = true
	p.SquashMessage = "Squashed"
	res, err = h.Repo.Merge(ctx, p)
	require.NoError(t, err)
	require.Equal(t, res.SquashCommitSHA, res.SHA)
	require.Empty(t, res.MergeCommitSHA)
	squash = h.commit(t, res.SHA)
	require.Equal(t, []string{h.m1}, squash.Parents)
	require.Equal(t, "Squashed\n", squash.Message)
	require.Equal(t, h.commit(t, h.r1).Tree, squash.Tree)

	// Squashing does not spare a rebase.
	p = h.params(gitrepo.MethodRebaseMerge, h.f2)
	p.Squash = true
	_, err = h.Repo.Merge(ctx, p)
	require.ErrorIs(t, err, gitrepo.ErrNeedsRebase)

	// Squash on its own.
	sha, err := h.Repo.Squash(ctx, gitrepo.SquashParams{
		Target: h.m1, Source: h.f2, Message: "One commit",
		Author: gitrepotest.Signature(70), Committer: gitrepotest.Signature(70),
	})
	require.NoError(t, err)
	c := h.commit(t, sha)
	require.Equal(t, []string{h.m1}, c.Parents)
	require.Equal(t, "One commit\n", c.Message)
	require.Equal(t, "a feature", h.show(t, sha, "a.txt"))
}

func TestMergeConflictListsPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHistory(t)

	_, err := h.Repo.MergeTree(ctx, h.m1, h.c1)
	var conflict *gitrepo.ConflictError
	require.ErrorAs(t, err, &conflict)
	require.Equal(t, []string{"b.txt", "c.txt"}, conflict.Paths)

	for _, squash := range []bool{false, true} {
		p := h.params(gitrepo.MethodMerge, h.c1)
		p.Squash = squash
		_, err = h.Repo.Merge(ctx, p)
		require.ErrorIs(t, err, gitrepo.ErrConflict, "squash=%v", squash)
		require.True(t, errors.As(err, &conflict))
		require.Equal(t, []string{"b.txt", "c.txt"}, conflict.Paths)
		require.Contains(t, err.Error(), "b.txt")
	}
	refs, err := h.Repo.Refs(ctx)
	require.NoError(t, err)
	require.Equal(t, h.m1, refs["refs/heads/main"], "a failed merge moves nothing")
}

func TestMergeIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := newHistory(t), newHistory(t)
	require.Equal(t, a.f2, b.f2, "the fixtures themselves are deterministic")

	for _, squash := range []bool{false, true} {
		pa := a.params(gitrepo.MethodMerge, a.f2)
		pa.Squash = squash
		first, err := a.Repo.Merge(ctx, pa)
		require.NoError(t, err)
		again, err := a.Repo.Merge(ctx, pa)
		require.NoError(t, err)
		require.Equal(t, first, again)

		pb := b.params(gitrepo.MethodMerge, b.f2)
		pb.Squash = squash
		other, err := b.Repo.Merge(ctx, pb)
		require.NoError(t, err)
		require.Equal(t, first, other, "identical inputs in another repository")

		pa.Committer = gitrepotest.Signature(62)
		later, err := a.Repo.Merge(ctx, pa)
		require.NoError(t, err)
		require.NotEqual(t, first.SHA, later.SHA)
	}
}

func TestMergeRefusesUnknownMethod(t *testing.T) {
	t.Parallel()
	h := newHistory(t)
	_, err := h.Repo.Merge(context.Background(), h.params("octopus", h.f2))
	require.ErrorContains(t, err, "unknown merge method")
}

func TestDefaultMergeMessage(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Merge branch 'a' into 'b'", gitrepo.DefaultMergeMessage(gitrepo.MergeRequestInfo{SourceBranch: "a", TargetBranch: "b"}))
	require.Equal(t, "Merge branch 'feat/x' into 'main'\n\nTitle\n\nSee merge request g/p!12",
		gitrepo.DefaultMergeMessage(gitrepo.MergeRequestInfo{SourceBranch: "feat/x", TargetBranch: "main", Title: "Title", ProjectPath: "g/p", IID: 12}))
}
