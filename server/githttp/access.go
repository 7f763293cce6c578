package githttp

import (
	"context"
	"errors"
	"strings"
)

// Errors a Resolver returns.
var (
	// ErrNotFound means no project has that path, or the caller may not
	// see it. Anonymous callers then get 401 (so that git asks for
	// credentials), others 404, so a private project's existence does not
	// leak.
	ErrNotFound = errors.New("project not found")
	// ErrUnauthenticated means a token was given and is not valid
	// (unknown, expired or revoked). The answer is 401.
	ErrUnauthenticated = errors.New("invalid token")
)

// Repository is the git repository of one project.
type Repository struct {
	ProjectID int64
	// Dir is the bare repository's directory, for example
	// "<data-dir>/repositories/7.git".
	Dir string
	// DefaultBranch cannot be deleted by a push.
	DefaultBranch string
}

// Access is what one caller may do in one project.
type Access struct {
	// UserID is the caller, 0 when anonymous. It is handed back in Push.
	UserID int64
	// Read allows clone and fetch: Reporter and above, or anyone on a
	// public project.
	Read bool
	// Push allows pushing at all (Developer and above): tags, and the
	// branches CanPushBranch allows.
	Push bool
	// Protected reports whether a protection covers a branch ("main", not
	// "refs/heads/main"). A protected branch is never deleted by a push,
	// only in the API, as on GitLab. Nil means no branch is protected.
	Protected func(branch string) bool
	// CanPushBranch reports whether the caller may create or update a
	// branch under its protections. Nil means every branch Push allows.
	CanPushBranch func(branch string) bool
	// ForcePushDenied reports whether a branch refuses a push that is not
	// a fast-forward, as a protected branch does unless it allows force
	// push. Nil means no branch refuses one.
	ForcePushDenied func(branch string) bool
}

func (a Access) protected(branch string) bool {
	return a.Protected != nil && a.Protected(branch)
}

func (a Access) canPushBranch(branch string) bool {
	return a.CanPushBranch == nil || a.CanPushBranch(branch)
}

// deniesRewrite reports whether any update moves an existing branch that
// refuses a non-fast-forward push. Only receive-pack, with the pushed
// objects in hand, can tell a rewrite from a fast-forward.
func (a Access) deniesRewrite(updates []RefUpdate) bool {
	if a.ForcePushDenied == nil {
		return false
	}
	for _, u := range updates {
		if b, ok := u.Branch(); ok && !u.Created() && !u.Deleted() && a.ForcePushDenied(b) {
			return true
		}
	}
	return false
}

// Resolver finds a project's repository and the caller's access to it. It
// is implemented over the project and user domain.
type Resolver interface {
	// Resolve looks up the project at projectPath ("root/demo", without
	// ".git") for the holder of token, the basic-auth password of the
	// request; token is "" for an anonymous request. It returns
	// ErrUnauthenticated for a token that is not valid and ErrNotFound for
	// a project that is missing or that the caller may not see.
	Resolve(ctx context.Context, projectPath, token string) (Repository, Access, error)
}

// PushListener hears about pushes, so that the server can re-read refs and
// move the heads of merge requests.
type PushListener interface {
	// Pushed is called after git accepted a receive-pack request, before
	// the response ends, with the ref updates the client asked for that
	// the refs now show: as soon as receive-pack has reported them, while
	// its post-receive hook and auto gc may still run. Git
	// may still have refused some of them (for example a stale old
	// value), so the listener should read the refs it cares about again.
	// It should be quick, and hand long work to a queue.
	Pushed(ctx context.Context, p Push)
}

// Push is one accepted receive-pack request.
type Push struct {
	ProjectPath string
	Repository  Repository
	// UserID is the pusher (Access.UserID).
	UserID int64
	// Updates are the ref updates requested, in the client's order.
	Updates []RefUpdate
}

// RefUpdate is one ref update a client asked for: Ref moves from Old to
// New. Creations have an all-zero Old, deletions an all-zero New.
type RefUpdate struct {
	Ref string
	Old string
	New string
}

// Branch returns the branch name of a refs/heads/ update.
func (u RefUpdate) Branch() (string, bool) { return strings.CutPrefix(u.Ref, "refs/heads/") }

// Created reports whether the update creates Ref.
func (u RefUpdate) Created() bool { return isZero(u.Old) }

// Deleted reports whether the update deletes Ref.
func (u RefUpdate) Deleted() bool { return isZero(u.New) }

func isZero(id string) bool { return strings.Trim(id, "0") == "" }
