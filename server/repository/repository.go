// Package repository is a project's git repository as the domain sees it:
// the operations merge requests and merge trains need, and reading branches.
// The gitrepo package does the git work behind it.
package repository

import (
	"context"
	"errors"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/gitrepo"
)

// Repositories opens a project's git repository.
type Repositories interface {
	Open(ctx context.Context, p *storagev1.Project) (Repository, error)
}

// Repository is what merge requests need from git.
type Repository interface {
	// Branches returns every branch with its head sha.
	Branches(ctx context.Context) (map[string]string, error)
	Commit(ctx context.Context, sha string) (*Commit, error)
	// Log returns the commits q selects, in git's order; a revision that
	// names nothing is ErrCommitNotFound.
	Log(ctx context.Context, q gitrepo.LogQuery) ([]*Commit, error)
	MergeBase(ctx context.Context, a, b string) (string, error)
	IsAncestor(ctx context.Context, ancestor, descendant string) (bool, error)
	// Conflicts lists the paths that conflict when source merges into
	// target; none means they merge cleanly.
	Conflicts(ctx context.Context, target, source string) ([]string, error)
	// BuildMerge makes (but does not publish) the commit that lands source
	// on target the way m says. It fails with *ConflictError or
	// ErrNeedsRebase.
	BuildMerge(ctx context.Context, m MergeSpec) (Landing, error)
	// MoveBranch moves branch from old to new, failing with ErrBranchMoved
	// when it is no longer at old.
	MoveBranch(ctx context.Context, branch, newSHA, oldSHA string) error
	// Rebase replays head's own commits onto onto and returns the new head;
	// a conflict is a *ConflictError.
	Rebase(ctx context.Context, onto, head, name, email string, when time.Time) (string, error)
	// SetRef points a server-owned ref (refs/merge-requests/<iid>/train) at
	// sha, whatever it held.
	SetRef(ctx context.Context, ref, sha string) error
	// DeleteRef removes a server-owned ref; a missing ref is fine.
	DeleteRef(ctx context.Context, ref string) error
	// DeleteRefAt removes a server-owned ref only while it holds sha: a ref
	// that moved on (a merge request's new car) or is gone is left as it is.
	DeleteRefAt(ctx context.Context, ref, sha string) error
	// Ref reads one ref; "" when it does not exist.
	Ref(ctx context.Context, ref string) (string, error)
}

// BranchRef is the full name of a branch's ref, for Ref.
func BranchRef(name string) string { return "refs/heads/" + name }

// Commit is what is shown of a commit. Its strings are valid UTF-8: git's
// bytes as gitrepo.Display shows them.
type Commit struct {
	ID             string
	Title          string
	Message        string
	AuthorName     string
	AuthorEmail    string
	AuthoredTime   time.Time
	CommitterName  string
	CommitterEmail string
	CommittedTime  time.Time
	ParentIDs      []string
	// TreeID is the commit's tree: two commits with the same tree hold the
	// same files.
	TreeID string
}

// MergeSpec says how to land a source on a target.
type MergeSpec struct {
	Target, Source string
	// Method is "merge", "rebase_merge" or "ff".
	Method string
	Squash bool
	// Message is the merge commit's message; empty for GitLab's default.
	Message string
	// SquashMessage is the squashed commit's message; empty for the title.
	SquashMessage string
	// For GitLab's default merge message.
	SourceBranch, TargetBranch, Title, ProjectPath string
	IID                                            int64
	// Author is who the new commits are by.
	AuthorName, AuthorEmail string
	Time                    time.Time
}

// Landing is what a merge produces: the commit the target branch moves to,
// and the merge and squash commits GitLab reports (empty when there is
// none, as for a fast-forward).
type Landing struct {
	SHA             string
	MergeCommitSHA  string
	SquashCommitSHA string
}

// ErrNeedsRebase means the merge method needs the source rebased on the
// target first.
var ErrNeedsRebase = errors.New("the source branch must be rebased on the target first")

// ErrBranchMoved means a branch was not where the caller expected.
var ErrBranchMoved = errors.New("the branch moved")

// ConflictError lists the paths that do not merge cleanly, as
// gitrepo.Display shows them.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string { return "merge conflict" }
