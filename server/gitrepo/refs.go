package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// Refs returns every ref (name → object id) whose name matches one of the
// patterns, or every ref when there are none. A pattern matches as in
// "git for-each-ref": "refs/heads" covers "refs/heads/main" and
// "refs/heads/release/1.0".
func (r *Repo) Refs(ctx context.Context, patterns ...string) (map[string]string, error) {
	if refs, ok := readRefFiles(r.dir, patterns); ok {
		return refs, nil
	}
	return r.forEachRef(ctx, patterns...)
}

// forEachRef is Refs answered by "git for-each-ref", for what readRefFiles
// leaves to git.
func (r *Repo) forEachRef(ctx context.Context, patterns ...string) (map[string]string, error) {
	c := NewCommand("for-each-ref", "--format=%(objectname) %(refname)").EndOfOptions().AddDynamic(patterns...)
	out, err := r.output(ctx, c, nil, nil)
	if err != nil {
		return nil, err
	}
	refs := make(map[string]string)
	for line := range strings.Lines(string(out)) {
		sha, name, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		if ok {
			refs[name] = sha
		}
	}
	return refs, nil
}

// Ref returns the object id a full ref name ("refs/heads/main") points at,
// or ErrNotFound.
func (r *Repo) Ref(ctx context.Context, name string) (string, error) {
	if err := validateFullRef(name); err != nil {
		return "", err
	}
	if sha, ok := readLooseRefExact(r.dir, name); ok {
		return sha, nil
	}
	refs, err := r.Refs(ctx, name)
	if err != nil {
		return "", err
	}
	// for-each-ref also matches refs below name ("refs/heads/a" lists
	// "refs/heads/a/b"), so only the exact name counts.
	sha, ok := refs[name]
	if !ok {
		return "", fmt.Errorf("%w: ref %s", ErrNotFound, name)
	}
	return sha, nil
}

// RefUpdate is one ref change in an atomic UpdateRefs call. Every change
// names the value it expects the ref to have now, so that a writer that
// read a stale value loses with ErrStaleRef instead of overwriting.
type RefUpdate struct {
	// Ref is the full ref name, "refs/...".
	Ref string
	// Old is the value Ref must have now; "" means Ref must not exist.
	Old string
	// New is the value to write; "" deletes Ref.
	New string
}

// UpdateRef moves ref from oldSHA to newSHA, or creates it at newSHA when
// oldSHA is "" (it must not exist then). When the ref does not hold oldSHA
// at that moment, nothing is written and the error is ErrStaleRef.
func (r *Repo) UpdateRef(ctx context.Context, ref, newSHA, oldSHA string) error {
	if newSHA == "" {
		return fmt.Errorf("%w: no new value for %s (use DeleteRef)", ErrUnsafeArgument, ref)
	}
	return r.UpdateRefs(ctx, RefUpdate{Ref: ref, Old: oldSHA, New: newSHA})
}

// DeleteRef deletes ref if it holds oldSHA, else fails with ErrStaleRef.
// With oldSHA "" it deletes ref whatever its value, and succeeds when ref
// does not exist: for refs only the server writes, such as a dropped merge
// train car's.
func (r *Repo) DeleteRef(ctx context.Context, ref, oldSHA string) error {
	if oldSHA == "" {
		return r.updateRefs(ctx, []refCommand{{verb: "delete", ref: ref}})
	}
	return r.UpdateRefs(ctx, RefUpdate{Ref: ref, Old: oldSHA})
}

// UpdateRefs applies all updates in one transaction: either every ref held
// its expected old value and all are written, or none is, with ErrStaleRef
// when one of them had moved.
func (r *Repo) UpdateRefs(ctx context.Context, updates ...RefUpdate) error {
	cmds := make([]refCommand, 0, len(updates))
	for _, u := range updates {
		switch {
		case u.Old == "" && u.New == "":
			return fmt.Errorf("%w: update of %s has neither old nor new value", ErrUnsafeArgument, u.Ref)
		case u.Old == "":
			cmds = append(cmds, refCommand{verb: "create", ref: u.Ref, values: []string{u.New}})
		case u.New == "":
			cmds = append(cmds, refCommand{verb: "delete", ref: u.Ref, values: []string{u.Old}})
		default:
			cmds = append(cmds, refCommand{verb: "update", ref: u.Ref, values: []string{u.New, u.Old}})
		}
	}
	return r.updateRefs(ctx, cmds)
}

type refCommand struct {
	verb   string
	ref    string
	values []string
}

// updateRefs feeds "git update-ref --stdin -z", which locks every ref,
// checks every old value and then writes, all or nothing. Names and values
// travel on standard input, so none can become an option.
func (r *Repo) updateRefs(ctx context.Context, cmds []refCommand) error {
	if len(cmds) == 0 {
		return nil
	}
	var in bytes.Buffer
	for _, c := range cmds {
		if err := validateFullRef(c.ref); err != nil {
			return err
		}
		in.WriteString(c.verb + " " + c.ref + "\x00")
		for _, v := range c.values {
			if !IsObjectID(v) {
				return fmt.Errorf("%w: %q is not an object id", ErrUnsafeArgument, v)
			}
			in.WriteString(v + "\x00")
		}
		if c.verb == "delete" && len(c.values) == 0 {
			in.WriteString("\x00") // empty old value: no check
		}
	}
	err := r.run(ctx, NewCommand("update-ref", "--stdin", "-z"), &in, nil)
	if err != nil && isStaleRef(stderrOf(err)) {
		return fmt.Errorf("%w: %w", ErrStaleRef, err)
	}
	return err
}

// isStaleRef recognises git's messages (in the C locale) for a ref that
// another writer moved, created or is moving right now.
func isStaleRef(stderr string) bool {
	if !strings.Contains(stderr, "cannot lock ref") {
		return false
	}
	for _, s := range []string{"but expected", "unable to resolve reference", "reference already exists", "File exists"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

// IsObjectID reports whether s is a full SHA-1 or SHA-256 object id in
// lower-case hex, the only spelling that always names the same object.
func IsObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
