package gitrepo

import (
	"fmt"
	"strings"
)

// BranchRef returns the full ref name of a branch: "refs/heads/" + name.
func BranchRef(name string) string { return "refs/heads/" + name }

// CheckRefFormat returns ErrInvalidRefName unless git accepts name as a
// full ref name, exactly as "git check-ref-format <name>" does (no
// options): at least two "/"-separated components, none empty, none
// starting with "." or ending with ".lock"; no "..", no "@{", not "@"
// alone, not ending with "."; and no ASCII control character (NUL
// included), space, DEL or any of ~^:?*[\ anywhere. Bytes of 0x80 and
// above are accepted, as git accepts them, whether or not they are UTF-8.
//
// This is the one check of ref names in the server: the git door refuses a
// pushed name that fails it before any permission is decided, and every
// ref this package writes or reads back from the files passes it.
func CheckRefFormat(name string) error {
	if name == "@" {
		return invalidRef(name)
	}
	components := 0
	for comp := range strings.SplitSeq(name, "/") {
		if !validRefComponent(comp) {
			return invalidRef(name)
		}
		components++
	}
	if components < 2 || strings.HasSuffix(name, ".") {
		return invalidRef(name)
	}
	return nil
}

// validRefComponent is git's check_refname_component for one component
// without a "/".
func validRefComponent(c string) bool {
	if c == "" || c[0] == '.' || strings.HasSuffix(c, ".lock") {
		return false
	}
	var last byte
	for i := range len(c) {
		b := c[i]
		switch {
		case b < 0x20, b == 0x7f, strings.IndexByte(" ~^:?*[\\", b) >= 0:
			return false
		case b == '.' && last == '.', b == '{' && last == '@':
			return false
		}
		last = b
	}
	return true
}

func invalidRef(name string) error { return fmt.Errorf("%w: %q", ErrInvalidRefName, name) }

// ValidateBranchName returns ErrInvalidRefName unless name is a branch
// name git accepts ("git check-ref-format --branch"): "refs/heads/" + name
// passes CheckRefFormat, and name does not start with "-" and is not
// "HEAD" or "@" (which git reads as HEAD). Checking here, in Go, lets callers refuse a bad name before any
// process runs; git checks again.
func ValidateBranchName(name string) error {
	if strings.HasPrefix(name, "-") || name == "HEAD" || name == "@" {
		return invalidRef(name)
	}
	return CheckRefFormat(BranchRef(name))
}

// validateFullRef accepts only full names under "refs/", so that a caller
// can never write a pseudo-ref such as HEAD or ORIG_HEAD at the top of the
// repository.
func validateFullRef(ref string) error {
	if !strings.HasPrefix(ref, "refs/") {
		return fmt.Errorf("%w: %q does not start with refs/", ErrInvalidRefName, ref)
	}
	return CheckRefFormat(ref)
}
