package gitrepo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// IsAncestor reports whether ancestor is reachable from descendant. A
// commit is its own ancestor.
func (r *Repo) IsAncestor(ctx context.Context, ancestor, descendant string) (bool, error) {
	if yes, ok := r.IsAncestorKnown(ctx, ancestor, descendant); ok {
		return yes, nil
	}
	c := NewCommand("merge-base", "--is-ancestor").EndOfOptions().AddDynamic(ancestor, descendant)
	err := r.run(ctx, c, nil, nil)
	switch {
	case err == nil:
		return true, nil
	case exitCode(err) == 1: // git's answer for "no"; errors exit 128
		return false, nil
	}
	return false, err
}

// IsAncestorKnown is IsAncestor answered without a process, by the walk
// over the cat-file process (see WithCatFiles); ok is false when only git
// can say. ancestor is one when it is the only best common ancestor of the
// two.
func (r *Repo) IsAncestorKnown(ctx context.Context, ancestor, descendant string) (yes, ok bool) {
	base, found, ok := r.mergeBaseInGo(ctx, ancestor, descendant)
	switch {
	case !ok:
		return false, false
	case !found:
		return false, true
	}
	return base == ancestor, true
}

// MergeBase returns the best common ancestor of a and b, or ErrNoMergeBase
// when their histories are unrelated.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	if base, found, ok := r.mergeBaseInGo(ctx, a, b); ok {
		if !found {
			return "", ErrNoMergeBase
		}
		return base, nil
	}
	c := NewCommand("merge-base").EndOfOptions().AddDynamic(a, b)
	out, err := r.output(ctx, c, nil, nil)
	if exitCode(err) == 1 && len(out) == 0 {
		return "", ErrNoMergeBase
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// CountCommits returns how many commits are reachable from head but not
// from base: what a merge of head into base would bring.
func (r *Repo) CountCommits(ctx context.Context, base, head string) (int, error) {
	if err := checkDynamic(base); err != nil {
		return 0, err
	}
	c := NewCommand("rev-list", "--count").EndOfOptions().AddDynamic(head, "^"+base)
	out, err := r.output(ctx, c, nil, nil)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(out)))
}

// AheadBehind returns how many commits head has that base lacks (ahead),
// and how many base has that head lacks (behind), in one walk.
func (r *Repo) AheadBehind(ctx context.Context, base, head string) (ahead, behind int, err error) {
	if err := checkDynamic(base); err != nil {
		return 0, 0, err
	}
	c := NewCommand("rev-list", "--count", "--left-right").EndOfOptions().AddDynamic(base + "..." + head)
	out, err := r.output(ctx, c, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	left, right, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if !ok {
		return 0, 0, fmt.Errorf("rev-list: unexpected answer %q", out)
	}
	if behind, err = strconv.Atoi(left); err != nil {
		return 0, 0, err
	}
	if ahead, err = strconv.Atoi(right); err != nil {
		return 0, 0, err
	}
	return ahead, behind, nil
}
