package gitrepo_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

// countedFixture is a fixture whose runner's git processes are counted.
func countedFixture(t *testing.T) (*gitrepotest.Fixture, *gitrepotest.GitCounter) {
	t.Helper()
	counter := gitrepotest.NewGitCounter(t)
	runner := gitrepotest.NewRunner(t, gitrepo.WithGitPath(counter.Path))
	repo, err := runner.Init(t.Context(), t.TempDir()+"/repo.git", "main")
	require.NoError(t, err)
	return &gitrepotest.Fixture{Runner: runner, Repo: repo, Work: gitrepotest.Clone(t, repo.Dir())}, counter
}

// processGone reports whether no process has pid any more (Close and the
// idle stop wait for theirs, so it is reaped, not a zombie).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// TestCatFileFindsObjectsWrittenWhileItRuns: one cat-file process answers
// commits pushed after it started, also after a repack has replaced every
// pack it had open, and only the process's start is a git run.
func TestCatFileFindsObjectsWrittenWhileItRuns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f, counter := countedFixture(t)
	cf := gitrepo.NewCatFiles(f.Runner)
	t.Cleanup(func() { _ = cf.Close() })
	repo := f.Repo.WithCatFiles(cf)

	first := f.Commit("main", "", "first", map[string]string{"a.txt": "1\n"})
	counter.Reset()
	c, err := repo.Commit(ctx, first)
	require.NoError(t, err)
	require.Equal(t, "first\n", c.Message)
	pids := cf.CatFilePIDs()
	require.Len(t, pids, 1)

	second := f.Commit("main", "", "second", map[string]string{"a.txt": "2\n"})
	// Pack everything into one new pack and delete the old packs and loose
	// objects the process may have looked at.
	gitrepotest.RunGit(t, f.Repo.Dir(), "repack", "-a", "-d", "-q")
	gitrepotest.RunGit(t, f.Repo.Dir(), "prune-packed")
	third := f.Commit("main", "", "third", map[string]string{"a.txt": "3\n"})
	for sha, msg := range map[string]string{first: "first\n", second: "second\n", third: "third\n"} {
		c, err := repo.Commit(ctx, sha)
		require.NoError(t, err)
		require.Equal(t, sha, c.SHA)
		require.Equal(t, msg, c.Message)
	}
	base, err := repo.MergeBase(ctx, first, third)
	require.NoError(t, err)
	require.Equal(t, first, base)
	require.Equal(t, pids, cf.CatFilePIDs(), "the same process answered throughout")
	require.Equal(t, []string{"cat-file --batch"}, counter.Runs(), "one git process in all")

	// A name it does not have is a spawned git's to answer: not found.
	_, err = repo.Commit(ctx, "0123456789012345678901234567890123456789")
	require.ErrorIs(t, err, gitrepo.ErrNotFound)
}

// TestCatFileStopsWhenIdleAndOnClose: an idle process ends on its own, a
// read starts another, Close ends that one, and reads after Close still
// answer (with a process each).
func TestCatFileStopsWhenIdleAndOnClose(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := gitrepotest.New(t)
	sha := f.Commit("main", "", "first", map[string]string{"a.txt": "1\n"})
	cf := gitrepo.NewCatFiles(f.Runner, gitrepo.WithCatFileIdle(50*time.Millisecond))
	repo := f.Repo.WithCatFiles(cf)

	_, err := repo.Commit(ctx, sha)
	require.NoError(t, err)
	pids := cf.CatFilePIDs()
	require.Len(t, pids, 1)
	require.Eventually(t, func() bool { return cf.Running() == 0 }, 10*time.Second, 10*time.Millisecond)
	require.True(t, processGone(pids[0]), "the idle process %d has exited", pids[0])

	_, err = repo.Commit(ctx, sha)
	require.NoError(t, err)
	pids = cf.CatFilePIDs()
	require.Len(t, pids, 1)
	require.NoError(t, cf.Close())
	require.Zero(t, cf.Running())
	require.True(t, processGone(pids[0]), "the process %d has exited on Close", pids[0])

	c, err := repo.Commit(ctx, sha)
	require.NoError(t, err)
	require.Equal(t, sha, c.SHA)
	require.Zero(t, cf.Running())
}

// TestCatFileRestartsAfterItDies: a process killed under the reader costs
// one read a spawned git, never a wrong answer, and the next read starts
// a new process.
func TestCatFileRestartsAfterItDies(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := gitrepotest.New(t)
	sha := f.Commit("main", "", "first", map[string]string{"a.txt": "1\n"})
	cf := gitrepo.NewCatFiles(f.Runner)
	t.Cleanup(func() { _ = cf.Close() })
	repo := f.Repo.WithCatFiles(cf)

	_, err := repo.Commit(ctx, sha)
	require.NoError(t, err)
	pids := cf.CatFilePIDs()
	require.Len(t, pids, 1)
	require.NoError(t, syscall.Kill(pids[0], syscall.SIGKILL))

	c, err := repo.Commit(ctx, sha)
	require.NoError(t, err)
	require.Equal(t, sha, c.SHA)
	_, err = repo.Commit(ctx, sha)
	require.NoError(t, err)
	now := cf.CatFilePIDs()
	require.Len(t, now, 1)
	require.NotEqual(t, pids[0], now[0])
	require.NoError(t, cf.Close())
	require.True(t, processGone(now[0]))
}

// TestCatFileKeepsAtMostMaxProcesses: past its bound the least recently
// used repository's process is stopped to make room.
func TestCatFileKeepsAtMostMaxProcesses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cf := (*gitrepo.CatFiles)(nil)
	var repos []*gitrepo.Repo
	var shas []string
	for range 3 {
		f := gitrepotest.New(t)
		if cf == nil {
			cf = gitrepo.NewCatFiles(f.Runner, gitrepo.WithCatFileMax(2))
			t.Cleanup(func() { _ = cf.Close() })
		}
		shas = append(shas, f.Commit("main", "", "first", map[string]string{"a.txt": "1\n"}))
		repos = append(repos, f.Repo.WithCatFiles(cf))
	}
	var first []int
	for i, repo := range repos {
		c, err := repo.Commit(ctx, shas[i])
		require.NoError(t, err)
		require.Equal(t, shas[i], c.SHA)
		if i == 0 {
			first = cf.CatFilePIDs()
		}
	}
	require.Eventually(t, func() bool { return processGone(first[0]) }, 10*time.Second, 10*time.Millisecond,
		"the least recently used process has exited")
	require.Equal(t, 2, cf.Running())
}

// BenchmarkCommitRead compares reading a commit (and a merge base) with a
// git process each and through the cat-file process.
func BenchmarkCommitRead(b *testing.B) {
	f := gitrepotest.New(b)
	base := f.Commit("main", "", "base", map[string]string{"a.txt": "1\n"})
	head := base
	for i := range 5 {
		head = f.Commit("main", "", "more", map[string]string{"a.txt": string(rune('a'+i)) + "\n"})
	}
	cf := gitrepo.NewCatFiles(f.Runner)
	b.Cleanup(func() { _ = cf.Close() })
	for _, c := range []struct {
		name string
		repo *gitrepo.Repo
	}{{"spawn", f.Repo}, {"catfile", f.Repo.WithCatFiles(cf)}} {
		b.Run("commit/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.repo.Commit(b.Context(), head); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("mergebase/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.repo.MergeBase(b.Context(), base, head); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCatFileRequestWithEndedContext: a read whose context has ended fails
// as the context did and leaves the process running for the next one.
func TestCatFileRequestWithEndedContext(t *testing.T) {
	t.Parallel()
	f := gitrepotest.New(t)
	sha := f.Commit("main", "", "first", map[string]string{"a.txt": "1\n"})
	cf := gitrepo.NewCatFiles(f.Runner)
	t.Cleanup(func() { _ = cf.Close() })
	repo := f.Repo.WithCatFiles(cf)
	_, err := repo.Commit(t.Context(), sha)
	require.NoError(t, err)
	pids := cf.CatFilePIDs()

	ended, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = repo.Commit(ended, sha)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, pids, cf.CatFilePIDs())
}
