package gitrepo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

func shas(cs []*gitrepo.Commit) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.SHA)
	}
	return out
}

// TestLogSelectsAndPages: the walk from a branch, a page of it, by path,
// by commit time, from every ref and along first parents only.
func TestLogSelectsAndPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	c1 := f.Commit("main", "", "one\n\nbody", map[string]string{"a": "1"})
	c2 := f.Commit("main", "", "two", map[string]string{"b": "2"})
	c3 := f.Commit("main", "", "three", map[string]string{"a": "3"})
	side := f.Commit("side", c1, "side", map[string]string{"-dash": "x"})
	f.Work.Checkout("main")
	f.Work.Git("-c", "user.name=T", "-c", "user.email=t@example.com", "merge", "--quiet", "--no-ff", "-m", "merge side", "side")
	f.Work.Git("push", "--quiet", "origin", "main")
	merge := f.Work.Git("rev-parse", "HEAD")
	log := func(q gitrepo.LogQuery) []string {
		t.Helper()
		if q.Max == 0 {
			q.Max = 100
		}
		cs, err := f.Repo.Log(ctx, q)
		require.NoError(t, err)
		return shas(cs)
	}

	require.Equal(t, []string{c3, c2, c1}, log(gitrepo.LogQuery{Rev: c3}))
	page, err := f.Repo.Log(ctx, gitrepo.LogQuery{Rev: c3, Skip: 1, Max: 1})
	require.NoError(t, err)
	require.Equal(t, []string{c2}, shas(page))
	require.Equal(t, "two\n", page[0].Message)
	require.Equal(t, []string{c1}, page[0].Parents)
	require.True(t, gitrepotest.At(2).Equal(page[0].Committer.When))

	require.Equal(t, []string{c3, c1}, log(gitrepo.LogQuery{Rev: c3, Path: "a"}))
	require.Equal(t, []string{side}, log(gitrepo.LogQuery{Rev: "refs/heads/side", Path: "-dash"}), "a path is never an option")
	require.Empty(t, log(gitrepo.LogQuery{Rev: c3, Path: "*"}), "a path is literal, not a glob")
	require.Equal(t, []string{c2}, log(gitrepo.LogQuery{Rev: c3, Since: gitrepotest.At(2), Until: gitrepotest.At(2)}))
	require.Equal(t, []string{c2, c1}, log(gitrepo.LogQuery{Rev: c3, Until: gitrepotest.At(2)}))
	require.Equal(t, []string{merge, c3, c2, c1}, log(gitrepo.LogQuery{Rev: "refs/heads/main", FirstParent: true}))
	require.ElementsMatch(t, []string{merge, side, c3, c2, c1}, log(gitrepo.LogQuery{Rev: "refs/heads/main"}))
	require.ElementsMatch(t, []string{merge, side, c3, c2, c1}, log(gitrepo.LogQuery{All: true, Topo: true}))
	require.Equal(t, []string{side}, log(gitrepo.LogQuery{Rev: c3 + ".." + side}), "a range")
	require.Equal(t, []string{c3, c2, c1}, log(gitrepo.LogQuery{Rev: c3, Author: gitrepotest.Email}))
	require.Empty(t, log(gitrepo.LogQuery{Rev: c3, Author: "--nobody"}))

	_, err = f.Repo.Log(ctx, gitrepo.LogQuery{Rev: "refs/heads/nope", Max: 10})
	require.ErrorIs(t, err, gitrepo.ErrNotFound)
	_, err = f.Repo.Log(ctx, gitrepo.LogQuery{Rev: c3, Author: "[", Max: 10})
	require.ErrorIs(t, err, gitrepo.ErrInvalidPattern)
	_, err = f.Repo.Log(ctx, gitrepo.LogQuery{Rev: "--all", Max: 10})
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.Log(ctx, gitrepo.LogQuery{Rev: "main\nside", Max: 10})
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
}
