package gitrepo

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// MergeTree merges theirs into ours without a work tree ("git merge-tree
// --write-tree") and returns the id of the merged tree, which is written
// into the object database. A merge with conflicts returns a
// *ConflictError that lists the paths; unrelated histories return
// ErrNoMergeBase; an unknown revision returns ErrNotFound.
func (r *Repo) MergeTree(ctx context.Context, ours, theirs string) (string, error) {
	c := NewCommand("merge-tree", "--write-tree", "-z", "--name-only", "--no-messages").
		EndOfOptions().AddDynamic(ours, theirs)
	out, err := r.output(ctx, c, nil, nil)
	// With -z and --name-only the output is "<tree>\0" and then one
	// "<path>\0" per conflicted file (a path may repeat).
	fields := strings.Split(string(out), "\x00")
	tree := fields[0]
	switch {
	case err == nil && IsObjectID(tree):
		return tree, nil
	case err == nil:
		return "", fmt.Errorf("merge-tree: unexpected answer %q", out)
	case exitCode(err) == 1 && IsObjectID(tree):
		var paths []string
		for _, p := range fields[1:] {
			if p != "" {
				paths = append(paths, p)
			}
		}
		slices.Sort(paths)
		return "", &ConflictError{Paths: slices.Compact(paths)}
	}
	// merge-tree exits 1 for a bad revision too, but then prints no tree.
	switch stderr := stderrOf(err); {
	case strings.Contains(stderr, "unrelated histories"):
		return "", fmt.Errorf("%w: %w", ErrNoMergeBase, err)
	case strings.Contains(stderr, "not something we can merge"):
		return "", fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return "", err
}
