package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// worktree is a local git clone that pushes to one project over HTTP, the
// way a developer's machine does.
type worktree struct {
	dir string
	env []string
}

// newWorktree makes an empty repository in dir whose origin is remote
// (http://root:<token>@host/root/<project>.git). Global and system
// configuration are ignored so the user's settings do not change timings.
func newWorktree(ctx context.Context, dir, remote string) (*worktree, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	w := &worktree{dir: dir, env: append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Load", "GIT_AUTHOR_EMAIL=load@example.test",
		"GIT_COMMITTER_NAME=Load", "GIT_COMMITTER_EMAIL=load@example.test",
	)}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch", "main"},
		{"remote", "add", "origin", remote},
	} {
		if _, err := w.git(ctx, args...); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// git runs one git command in the worktree and returns its trimmed output.
func (w *worktree) git(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = w.dir
	cmd.Env = w.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		// The remote URL holds the token; git's messages may quote it.
		return "", fmt.Errorf("git %s: %v: %s", args[0], err, errOut.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// commitFile writes a file on branch (created from base when new) and
// commits it, returning the commit's sha.
func (w *worktree) commitFile(ctx context.Context, branch, base, name, content string) (string, error) {
	if base != "" {
		if _, err := w.git(ctx, "checkout", "--quiet", "-B", branch, base); err != nil {
			return "", err
		}
	} else if _, err := w.git(ctx, "checkout", "--quiet", "-B", branch); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil {
		return "", err
	}
	if _, err := w.git(ctx, "add", name); err != nil {
		return "", err
	}
	if _, err := w.git(ctx, "commit", "--quiet", "-m", "change "+name); err != nil {
		return "", err
	}
	return w.git(ctx, "rev-parse", "HEAD")
}

// emptyCommits makes n commits on top of parent that change nothing, made
// ahead of time so that a timed push does no local work but the push.
func (w *worktree) emptyCommits(ctx context.Context, parent string, n int) ([]string, error) {
	tree, err := w.git(ctx, "rev-parse", parent+"^{tree}")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for i := range n {
		sha, err := w.git(ctx, "commit-tree", tree, "-p", parent, "-m", fmt.Sprintf("round %d", i))
		if err != nil {
			return nil, err
		}
		out = append(out, sha)
		parent = sha
	}
	return out, nil
}

// push sends sha to a branch and returns how long git took.
func (w *worktree) push(ctx context.Context, sha, branch string) (time.Duration, error) {
	start := time.Now()
	_, err := w.git(ctx, "push", "--quiet", "origin", sha+":refs/heads/"+branch)
	return time.Since(start), err
}

// pushBranches pushes branches, all in one git push.
func (w *worktree) pushBranches(ctx context.Context, branches ...string) error {
	_, err := w.git(ctx, append([]string{"push", "--quiet", "origin"}, branches...)...)
	return err
}
