package gitrepo

import (
	"fmt"
	"strings"
)

// BranchRef returns the full ref name of a branch: "refs/heads/" + name.
func BranchRef(name string) string { return "refs/heads/" + name }

// ValidateBranchName returns ErrInvalidRefName unless name is a branch
// name git accepts ("git check-ref-format --branch"): no "..", "@{", "//",
// control characters, spaces or any of ~^:?*[\, no component starting
// with "." or ending with ".lock", not starting with "-" or "/", not ending
// with "/" or ".", and not "@" or "HEAD". Checking here, in Go, lets callers
// refuse a bad name before any process runs; git checks again.
func ValidateBranchName(name string) error {
	if strings.HasPrefix(name, "-") || name == "HEAD" || name == "@" {
		return fmt.Errorf("%w: %q", ErrInvalidRefName, name)
	}
	return validateRef("refs/heads/" + name)
}

// validateFullRef accepts only full names under "refs/", so that a caller
// can never write a pseudo-ref such as HEAD or ORIG_HEAD at the top of the
// repository.
func validateFullRef(ref string) error {
	if !strings.HasPrefix(ref, "refs/") {
		return fmt.Errorf("%w: %q does not start with refs/", ErrInvalidRefName, ref)
	}
	return validateRef(ref)
}

func validateRef(ref string) error {
	bad := func() error { return fmt.Errorf("%w: %q", ErrInvalidRefName, ref) }
	if ref == "" || ref == "@" || strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".") ||
		strings.Contains(ref, "..") || strings.Contains(ref, "@{") || strings.Contains(ref, "//") {
		return bad()
	}
	for _, r := range ref {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return bad()
		}
	}
	for comp := range strings.SplitSeq(ref, "/") {
		if comp == "" || strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return bad()
		}
	}
	return nil
}
