package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// Rebase replays the commits of head that onto does not have, one by one and
// in order, on top of onto, as "git rebase" would, keeping each commit's
// author and message; committer is who replays them. It returns the new
// head (onto itself when head has nothing onto lacks).
//
// It works in a temporary linked work tree, because git 2.39's merge-tree
// cannot replay a single commit (--merge-base arrived in 2.40). The work tree
// is removed whatever happens; the repository's refs are never touched.
func (r *Repo) Rebase(ctx context.Context, onto, head string, committer Signature) (string, error) {
	if err := checkSignature(committer); err != nil {
		return "", err
	}
	base, err := r.MergeBase(ctx, onto, head)
	if err != nil {
		return "", err
	}
	out, err := r.output(ctx, NewCommand("rev-list", "--reverse", "--no-merges").EndOfOptions().AddDynamic(head, "^"+base), nil, nil)
	if err != nil {
		return "", err
	}
	commits := strings.Fields(string(out))
	if len(commits) == 0 {
		return onto, nil
	}
	tmp, err := os.MkdirTemp("", "signalbox-rebase-")
	if err != nil {
		return "", err
	}
	tree := filepath.Join(tmp, "work")
	defer func() {
		_ = r.run(context.WithoutCancel(ctx), NewCommand("worktree", "remove", "--force").EndOfOptions().AddDynamic(tree), nil, nil)
		_ = os.RemoveAll(tmp)
		_ = r.run(context.WithoutCancel(ctx), NewCommand("worktree", "prune"), nil, nil)
	}()
	if err := r.run(ctx, NewCommand("worktree", "add", "--detach", "--quiet").EndOfOptions().AddDynamic(tree, onto), nil, nil); err != nil {
		return "", err
	}
	inTree := func() *Command { return NewCommand().AddOptionValue("-C", tree) }
	env := []string{
		"GIT_COMMITTER_NAME=" + committer.Name,
		"GIT_COMMITTER_EMAIL=" + committer.Email,
		"GIT_COMMITTER_DATE=" + gitDate(committer.When),
	}
	for _, c := range commits {
		pick := inTree().AddArgs("cherry-pick", "--allow-empty", "--keep-redundant-commits").EndOfOptions().AddDynamic(c)
		if err := r.runner.Run(ctx, pick, RunOptions{Env: env}); err != nil {
			// -z: paths as they are, not C-quoted, and split only at NUL,
			// so a path may hold spaces or any byte.
			paths, _ := r.runner.output(ctx, inTree().AddArgs("diff", "--name-only", "-z", "--diff-filter=U"), RunOptions{})
			_ = r.runner.Run(context.WithoutCancel(ctx), inTree().AddArgs("cherry-pick", "--abort"), RunOptions{})
			if conflicted := strings.FieldsFunc(string(paths), func(r rune) bool { return r == 0 }); len(conflicted) > 0 {
				return "", &ConflictError{Paths: conflicted}
			}
			return "", err
		}
	}
	newHead, err := r.runner.output(ctx, inTree().AddArgs("rev-parse", "HEAD"), RunOptions{})
	if err != nil {
		return "", err
	}
	sha := strings.TrimSpace(string(newHead))
	if len(sha) != 40 && len(sha) != 64 {
		return "", errors.New("rebase: unexpected head " + sha)
	}
	return sha, nil
}
