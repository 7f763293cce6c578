// Package gitrepotest makes throwaway git repositories for tests, with the
// real git binary: a bare repository created by gitrepo, and work trees
// that commit with a fixed identity and fixed, increasing dates (so the
// same steps always give the same shas) and push to it.
package gitrepotest

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signalbox/signalbox/server/gitrepo"
)

// Name and Email are the author and committer of test commits.
const (
	Name  = "Test User"
	Email = "test@example.com"
)

// Signature returns the test identity at the n-th minute after the epoch,
// for commits written with gitrepo directly.
func Signature(n int) gitrepo.Signature {
	return gitrepo.Signature{Name: Name, Email: Email, When: At(n)}
}

// At is the n-th minute after the fixed epoch of test commits: a work
// tree's first commit is At(1), its second At(2), and so on.
func At(n int) time.Time {
	return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(n) * time.Minute)
}

// NewRunner returns a gitrepo.Runner with a private home directory that
// logs to the test's output.
func NewRunner(t testing.TB, opts ...gitrepo.Option) *gitrepo.Runner {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	r, err := gitrepo.NewRunner(filepath.Join(t.TempDir(), "home"), logger, opts...)
	if err != nil {
		t.Fatalf("gitrepotest: %v", err)
	}
	return r
}

// Fixture is a bare repository and a work tree cloned from it.
type Fixture struct {
	Runner *gitrepo.Runner
	// Repo is the bare repository, default branch "main".
	Repo *gitrepo.Repo
	// Work is a clone of Repo whose origin is Repo's directory.
	Work *Worktree
}

// New creates an empty bare repository with gitrepo.Runner.Init and
// clones it.
func New(t testing.TB) *Fixture {
	t.Helper()
	runner := NewRunner(t)
	repo, err := runner.Init(context.Background(), filepath.Join(t.TempDir(), "repo.git"), "main")
	if err != nil {
		t.Fatalf("gitrepotest: init: %v", err)
	}
	return &Fixture{Runner: runner, Repo: repo, Work: Clone(t, repo.Dir())}
}

// Commit makes a commit on branch in the work tree (creating the branch
// from start when start is not ""), writes files, pushes the branch and
// returns the new commit's sha.
func (f *Fixture) Commit(branch, start, message string, files map[string]string) string {
	if start != "" {
		f.Work.Branch(branch, start)
	} else {
		f.Work.Checkout(branch)
	}
	sha := f.Work.Commit(message, files)
	f.Work.Git("push", "--quiet", "origin", "HEAD:refs/heads/"+branch)
	return sha
}

// Worktree is a non-bare repository that tests commit in.
type Worktree struct {
	t testing.TB
	// Dir is the work tree's directory.
	Dir string
	env []string
	n   int // commits made, for their dates
}

// Env is the environment of test git processes: nothing inherited but
// PATH, no system or global configuration, no prompts, the C locale and
// "main" as the initial branch. Pass it to any git a test runs itself.
func Env(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C",
		"GIT_CONFIG_COUNT=2",
		"GIT_CONFIG_KEY_0=init.defaultBranch",
		"GIT_CONFIG_VALUE_0=main",
		"GIT_CONFIG_KEY_1=advice.detachedHead",
		"GIT_CONFIG_VALUE_1=false",
	}
}

// Clone clones url into a new temporary directory. extraEnv is added to
// every git the work tree runs (for example GIT_TRACE_CURL=1).
func Clone(t testing.TB, url string, extraEnv ...string) *Worktree {
	t.Helper()
	w := newWorktree(t, extraEnv)
	dir := filepath.Join(t.TempDir(), "work")
	w.run(t.TempDir(), "clone", "--quiet", url, dir)
	w.Dir = dir
	return w
}

// NewWorktree makes an empty work tree (git init) without a remote.
func NewWorktree(t testing.TB, extraEnv ...string) *Worktree {
	t.Helper()
	w := newWorktree(t, extraEnv)
	w.Dir = filepath.Join(t.TempDir(), "work")
	w.run(t.TempDir(), "init", "--quiet", w.Dir)
	return w
}

func newWorktree(t testing.TB, extraEnv []string) *Worktree {
	home := filepath.Join(t.TempDir(), "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatalf("gitrepotest: %v", err)
	}
	return &Worktree{t: t, env: append(Env(home), extraEnv...)}
}

// Git runs git in the work tree and returns its trimmed standard output.
// It fails the test when git fails.
func (w *Worktree) Git(args ...string) string {
	w.t.Helper()
	return w.run(w.Dir, args...)
}

// TryGit runs git in the work tree and returns its standard output and
// standard error together, and the error, for commands expected to fail.
func (w *Worktree) TryGit(args ...string) (string, error) {
	cmd := w.command(w.Dir, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Branch creates (or resets) branch at start and checks it out.
func (w *Worktree) Branch(branch, start string) {
	w.t.Helper()
	w.Git("checkout", "--quiet", "-B", branch, start)
}

// Checkout checks out an existing branch, or starts an unborn one when
// the repository has no commit yet.
func (w *Worktree) Checkout(branch string) {
	w.t.Helper()
	if _, err := w.TryGit("rev-parse", "--verify", "--quiet", "HEAD"); err != nil {
		w.Git("symbolic-ref", "HEAD", "refs/heads/"+branch)
		return
	}
	w.Git("checkout", "--quiet", branch)
}

// Commit writes files (path → content, directories created as needed),
// stages every change and commits with the test identity at the next
// fixed date. It returns the commit's sha.
func (w *Worktree) Commit(message string, files map[string]string) string {
	w.t.Helper()
	for path, content := range files {
		full := filepath.Join(w.Dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			w.t.Fatalf("gitrepotest: %v", err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			w.t.Fatalf("gitrepotest: %v", err)
		}
	}
	w.Git("add", "--all")
	w.n++
	date := strconv.FormatInt(At(w.n).Unix(), 10) + " +0000"
	cmd := w.command(w.Dir, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", message)
	cmd.Env = append(cmd.Env,
		"GIT_AUTHOR_NAME="+Name, "GIT_AUTHOR_EMAIL="+Email, "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME="+Name, "GIT_COMMITTER_EMAIL="+Email, "GIT_COMMITTER_DATE="+date)
	if out, err := cmd.CombinedOutput(); err != nil {
		w.t.Fatalf("gitrepotest: git commit: %v\n%s", err, out)
	}
	return w.Git("rev-parse", "HEAD")
}

// Remove deletes paths from the work tree; the next Commit records it.
func (w *Worktree) Remove(paths ...string) {
	w.t.Helper()
	for _, p := range paths {
		if err := os.RemoveAll(filepath.Join(w.Dir, filepath.FromSlash(p))); err != nil {
			w.t.Fatalf("gitrepotest: %v", err)
		}
	}
}

func (w *Worktree) run(dir string, args ...string) string {
	w.t.Helper()
	cmd := w.command(dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("gitrepotest: git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func (w *Worktree) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append([]string(nil), w.env...)
	return cmd
}

// Show returns the content of path at rev, read by git in dir (a bare or
// non-bare repository), so that tests check results with git itself.
func Show(t testing.TB, dir, rev, path string) string {
	t.Helper()
	return RunGit(t, dir, "show", rev+":"+path)
}

// RunGit runs git in dir with the test environment and returns its
// trimmed standard output, failing the test when git fails.
func RunGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	w := &Worktree{t: t, env: Env(t.TempDir())}
	return w.run(dir, args...)
}

// GitCounter is a git binary that notes each time it runs (a shell
// script that appends its arguments to a file, then runs the real git),
// for tests that count the git processes an operation spawns. Pass Path to
// gitrepo.WithGitPath.
type GitCounter struct {
	Path string
	log  string
	t    testing.TB
}

// NewGitCounter writes the counting wrapper around the git on PATH.
func NewGitCounter(t testing.TB) *GitCounter {
	t.Helper()
	real, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("gitrepotest: %v", err)
	}
	dir := t.TempDir()
	c := &GitCounter{Path: filepath.Join(dir, "git"), log: filepath.Join(dir, "runs"), t: t}
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + shellQuote(c.log) + "\nexec " + shellQuote(real) + " \"$@\"\n"
	if err := os.WriteFile(c.Path, []byte(script), 0o700); err != nil {
		t.Fatalf("gitrepotest: %v", err)
	}
	return c
}

// Runs returns the argument lists of every run so far, oldest first.
func (c *GitCounter) Runs() []string {
	c.t.Helper()
	b, err := os.ReadFile(c.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		c.t.Fatalf("gitrepotest: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// Reset forgets the runs so far.
func (c *GitCounter) Reset() {
	c.t.Helper()
	if err := os.Remove(c.log); err != nil && !os.IsNotExist(err) {
		c.t.Fatalf("gitrepotest: %v", err)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
