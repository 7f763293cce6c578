package gitrepo_test

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

var mergeBaseSeeds = flag.Int("mergebase.seeds", 0, "TestMergeBaseInGoAgreesWithGit: also run this many random seeds (printed on failure)")

// genCommit is one commit of a generated history: its parents (indexes of
// earlier commits) and committer date.
type genCommit struct {
	parents []int
	date    int64
}

// randomHistory makes n commits: mostly children of recent commits, many
// merges of two or three (so criss-crosses), a few new roots (unrelated
// histories), and committer dates that are often out of order, since git's
// answer must not depend on them.
func randomHistory(rng *rand.Rand, n int) []genCommit {
	out := make([]genCommit, 0, n)
	recent := func() int { return max(0, len(out)-1-rng.IntN(min(len(out), 12))) }
	for i := range n {
		c := genCommit{date: 1_700_000_000 + int64(i)*60}
		if rng.IntN(4) == 0 {
			c.date -= int64(rng.IntN(3600)) // skew
		}
		switch r := rng.IntN(100); {
		case i == 0 || r < 4:
		case r < 35 && i > 2:
			a, b := recent(), recent()
			c.parents = []int{a}
			if b != a {
				c.parents = append(c.parents, b)
			}
			if r < 8 {
				if third := rng.IntN(i); !containsInt(c.parents, third) {
					c.parents = append(c.parents, third)
				}
			}
		default:
			c.parents = []int{recent()}
		}
		out = append(out, c)
	}
	return out
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// importHistory writes the commits into dir with one "git fast-import"
// and returns their ids, in order.
func importHistory(t *testing.T, dir string, commits []genCommit) []string {
	t.Helper()
	var in bytes.Buffer
	for i, c := range commits {
		fmt.Fprintf(&in, "commit refs/heads/c%d\nmark :%d\ncommitter T <t@example.com> %d +0000\ndata 3\nc%d\n", i, i+1, c.date, i%10)
		for j, p := range c.parents {
			verb := "merge"
			if j == 0 {
				verb = "from"
			}
			fmt.Fprintf(&in, "%s :%d\n", verb, p+1)
		}
		in.WriteString("\n")
	}
	marks := filepath.Join(t.TempDir(), "marks")
	cmd := exec.Command("git", "fast-import", "--quiet", "--export-marks="+marks)
	cmd.Dir = dir
	cmd.Env = append(gitrepotest.Env(t.TempDir()), "GIT_DIR="+dir)
	cmd.Stdin = &in
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	b, err := os.ReadFile(marks)
	require.NoError(t, err)
	ids := make([]string, len(commits))
	for line := range strings.Lines(string(b)) {
		var mark int
		var id string
		_, err := fmt.Sscanf(line, ":%d %s", &mark, &id)
		require.NoError(t, err)
		ids[mark-1] = id
	}
	return ids
}

// gitMergeBases is "git merge-base --all a b": every best common ancestor.
func gitMergeBases(t *testing.T, dir, a, b string) []string {
	t.Helper()
	cmd := exec.Command("git", "merge-base", "--all", a, b)
	cmd.Env = append(gitrepotest.Env(t.TempDir()), "GIT_DIR="+dir)
	out, err := cmd.Output()
	if ee := (*exec.ExitError)(nil); err != nil && errorsAs(err, &ee) && ee.ExitCode() == 1 && len(out) == 0 {
		return nil
	}
	require.NoError(t, err)
	return strings.Fields(string(out))
}

func errorsAs(err error, target **exec.ExitError) bool {
	ee, ok := err.(*exec.ExitError)
	*target = ee
	return ok
}

// TestMergeBaseInGoAgreesWithGit is a differential test on random
// histories: where the walk in Go answers, it is git's one best common
// ancestor (or git's "none"); where git has several, it leaves them to git
// (it may also leave a single one, when a redundant candidate stays); and
// MergeBase and IsAncestor, walk or fallback, answer as git does.
func TestMergeBaseInGoAgreesWithGit(t *testing.T) {
	t.Parallel()
	seeds := []uint64{1, 2, 3}
	for range *mergeBaseSeeds {
		seeds = append(seeds, rand.Uint64())
	}
	var answered, several int
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ctx := t.Context()
			runner := gitrepotest.NewRunner(t)
			repo, err := runner.Init(ctx, filepath.Join(t.TempDir(), "repo.git"), "main")
			require.NoError(t, err)
			cf := gitrepo.NewCatFiles(runner)
			t.Cleanup(func() { _ = cf.Close() })
			repo = repo.WithCatFiles(cf)
			rng := rand.New(rand.NewPCG(seed, seed))
			ids := importHistory(t, repo.Dir(), randomHistory(rng, 120))
			for range 40 {
				a, b := ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]
				want := gitMergeBases(t, repo.Dir(), a, b)
				base, found, ok := repo.MergeBaseInGo(ctx, a, b)
				if ok {
					answered++
					if found {
						require.Equal(t, want, []string{base}, "seed %d: merge base of %s and %s", seed, a, b)
					} else {
						require.Empty(t, want, "seed %d: merge base of %s and %s", seed, a, b)
					}
				} else if len(want) > 1 {
					several++ // git picks one of them: its answer below
				}
				got, err := repo.MergeBase(ctx, a, b)
				if len(want) == 0 {
					require.ErrorIs(t, err, gitrepo.ErrNoMergeBase, "seed %d", seed)
				} else {
					require.NoError(t, err)
					plain := gitrepotest.RunGit(t, repo.Dir(), "merge-base", a, b)
					require.Equal(t, plain, got, "seed %d: merge base of %s and %s", seed, a, b)
				}
				yes, err := repo.IsAncestor(ctx, a, b)
				require.NoError(t, err)
				cmd := exec.Command("git", "merge-base", "--is-ancestor", a, b)
				cmd.Env = append(gitrepotest.Env(t.TempDir()), "GIT_DIR="+repo.Dir())
				require.Equal(t, cmd.Run() == nil, yes, "seed %d: is %s an ancestor of %s", seed, a, b)
			}
		})
	}
	// The histories must exercise both ways.
	require.Greater(t, answered, 30)
	require.Greater(t, several, 0)
}

// TestMergeBaseWalkLeavesLongHistoriesToGit: past its bound the walk
// gives up and git answers.
func TestMergeBaseWalkLeavesLongHistoriesToGit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	runner := gitrepotest.NewRunner(t)
	repo, err := runner.Init(ctx, filepath.Join(t.TempDir(), "repo.git"), "main")
	require.NoError(t, err)
	cf := gitrepo.NewCatFiles(runner)
	t.Cleanup(func() { _ = cf.Close() })
	repo = repo.WithCatFiles(cf)
	history := make([]genCommit, 900)
	for i := range history {
		history[i].date = 1_700_000_000 + int64(i)
		if i > 0 && i != 450 {
			history[i].parents = []int{i - 1}
		}
	}
	history[450].parents = []int{0} // a side branch off the root
	ids := importHistory(t, repo.Dir(), history)
	_, _, ok := repo.MergeBaseInGo(ctx, ids[449], ids[899])
	require.False(t, ok)
	got, err := repo.MergeBase(ctx, ids[449], ids[899])
	require.NoError(t, err)
	require.Equal(t, ids[0], got)
	base, found, ok := repo.MergeBaseInGo(ctx, ids[898], ids[899])
	require.True(t, ok && found)
	require.Equal(t, ids[898], base)
}
