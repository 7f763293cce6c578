package gitrepo

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of repository operations. Callers test them with errors.Is.
var (
	// ErrUnsafeArgument means a dynamic value could be read by git as an
	// option (it starts with "-"), or is empty or holds a NUL byte. The
	// command is never started.
	ErrUnsafeArgument = errors.New("unsafe git argument")
	// ErrInvalidRefName means a ref or branch name is not one git accepts,
	// or a ref name does not start with "refs/".
	ErrInvalidRefName = errors.New("invalid ref name")
	// ErrNotFound means a ref, revision or object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrStaleRef means a ref did not have the expected old value when it
	// was to be updated: another writer got there first. Nothing was
	// written.
	ErrStaleRef = errors.New("ref changed concurrently")
	// ErrInvalidPattern means a regular expression git cannot read.
	ErrInvalidPattern = errors.New("invalid regular expression")
	// ErrNoMergeBase means two commits share no history.
	ErrNoMergeBase = errors.New("no merge base")
	// ErrConflict means a merge has conflicts. The error is a
	// *ConflictError, which lists the paths.
	ErrConflict = errors.New("merge conflict")
	// ErrNeedsRebase means the merge method requires the source to contain
	// the target (fast-forward and semi-linear merges), and it does not.
	ErrNeedsRebase = errors.New("source branch must be rebased onto the target branch")
	// ErrInvalidSignature means an author or committer identity cannot be
	// written into a commit (empty, or containing "<", ">" or a newline),
	// or has no time.
	ErrInvalidSignature = errors.New("invalid signature")
)

// ConflictError is a merge that did not apply cleanly.
type ConflictError struct {
	// Paths are the conflicting paths, sorted, each listed once.
	Paths []string
}

// Error lists the paths.
func (e *ConflictError) Error() string {
	return "merge conflict in " + strings.Join(e.Paths, ", ")
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Error is a git command that failed. Its message holds git's standard
// error, with credentials in URLs masked.
type Error struct {
	// Args are the command's arguments (without "git"), credentials masked.
	Args []string
	// ExitCode is git's exit status, or -1 when it did not exit normally.
	ExitCode int
	// Stderr is what git wrote to standard error, trimmed and credentials
	// masked.
	Stderr string
	// Err is the underlying error, for example context.DeadlineExceeded
	// when the command ran out of time.
	Err error
}

// Error names the subcommand and quotes git's message.
func (e *Error) Error() string {
	sub := "git"
	if len(e.Args) > 0 {
		sub = "git " + e.Args[0]
	}
	msg := e.Err.Error()
	if e.Stderr != "" {
		msg = e.Stderr + " (" + msg + ")"
	}
	return fmt.Sprintf("%s: %s", sub, msg)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// exitCode returns the exit status of a failed git command, or -1.
func exitCode(err error) int {
	var gerr *Error
	if errors.As(err, &gerr) {
		return gerr.ExitCode
	}
	return -1
}

// stderrOf returns git's standard error from a failed command, or "".
func stderrOf(err error) string {
	var gerr *Error
	if errors.As(err, &gerr) {
		return gerr.Stderr
	}
	return ""
}
