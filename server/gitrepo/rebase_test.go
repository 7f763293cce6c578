package gitrepo_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

func TestRebaseReplaysEachCommit(t *testing.T) {
	t.Parallel()
	h := newHistory(t)
	ctx := t.Context()
	rebased, err := h.Repo.Rebase(ctx, h.m1, h.f2, gitrepotest.Signature(9))
	require.NoError(t, err)

	top := h.commit(t, rebased)
	require.Equal(t, "Feature two", top.Title())
	require.Equal(t, gitrepotest.Name, top.Author.Name, "the author is kept")
	below := h.commit(t, top.Parents[0])
	require.Equal(t, "Feature one", below.Title())
	require.Equal(t, []string{h.m1}, below.Parents, "replayed onto the new base, one commit at a time")
	require.Equal(t, "a feature", h.show(t, rebased, "a.txt"))
	require.Equal(t, "b main", h.show(t, rebased, "b.txt"))
	require.Equal(t, "new", h.show(t, rebased, "new.txt"))

	again, err := h.Repo.Rebase(ctx, h.m1, h.f2, gitrepotest.Signature(9))
	require.NoError(t, err)
	require.Equal(t, rebased, again, "the same inputs give the same commits")

	refs, err := h.Repo.Refs(ctx, "refs/heads/")
	require.NoError(t, err)
	require.Equal(t, h.f2, refs["refs/heads/feature"], "no ref moves")

	nothing, err := h.Repo.Rebase(ctx, h.m1, h.base, gitrepotest.Signature(9))
	require.NoError(t, err)
	require.Equal(t, h.m1, nothing)
}

func TestRebaseReportsConflicts(t *testing.T) {
	t.Parallel()
	h := newHistory(t)
	_, err := h.Repo.Rebase(t.Context(), h.m1, h.c1, gitrepotest.Signature(9))
	var ce *gitrepo.ConflictError
	require.ErrorAs(t, err, &ce)
	require.ElementsMatch(t, []string{"b.txt", "c.txt"}, ce.Paths)
	// The temporary work tree is gone; the next rebase works.
	_, err = h.Repo.Rebase(t.Context(), h.m1, h.f2, gitrepotest.Signature(9))
	require.NoError(t, err)
}

// TestConflictPathsAreGitsBytes: conflicting paths come back exactly as git
// has them, a space or a byte that is not UTF-8 included, from a merge and
// from a rebase alike (a rebase used to split "with space.txt" in two and
// C-quote "\xff.txt").
func TestConflictPathsAreGitsBytes(t *testing.T) {
	t.Parallel()
	f := gitrepotest.New(t)
	odd := map[string]string{"with space.txt": "base\n", "\xff.txt": "base\n"}
	base := f.Commit("main", "", "base", odd)
	ours := f.Commit("main", "", "ours", map[string]string{"with space.txt": "ours\n", "\xff.txt": "ours\n"})
	theirs := f.Commit("feature", base, "theirs", map[string]string{"with space.txt": "theirs\n", "\xff.txt": "theirs\n"})
	want := []string{"with space.txt", "\xff.txt"}

	_, err := f.Repo.MergeTree(t.Context(), ours, theirs)
	var ce *gitrepo.ConflictError
	require.ErrorAs(t, err, &ce)
	require.ElementsMatch(t, want, ce.Paths)

	_, err = f.Repo.Rebase(t.Context(), ours, theirs, gitrepotest.Signature(9))
	require.ErrorAs(t, err, &ce)
	require.ElementsMatch(t, want, ce.Paths)
}
