// Package mergerequest owns merge requests: opening, changing, closing and
// merging them on real git, following their branches as pushes move them,
// and deciding whether one may merge.
package mergerequest

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/note"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
)

// Errors of the merge request domain.
var (
	// ErrNotFound means the project has no such merge request, or the caller
	// cannot see merge requests there.
	ErrNotFound = errors.New("merge request not found")
	// ErrSameBranch means source and target are the same branch.
	ErrSameBranch = errors.New("source and target are the same branch")
	// ErrCannotMerge means the caller may not merge into the target branch.
	ErrCannotMerge = errors.New("not allowed to merge")
)

// BranchMissingError names a branch that does not exist.
type BranchMissingError struct {
	Branch string
	Source bool
}

func (e *BranchMissingError) Error() string { return "branch does not exist: " + e.Branch }

// ExistsError is an open merge request with the same branches.
type ExistsError struct{ IID int64 }

func (e *ExistsError) Error() string { return "another open merge request exists" }

// NotMergeableError says why a merge request cannot merge now.
type NotMergeableError struct{ Status Status }

func (e *NotMergeableError) Error() string { return "not mergeable: " + string(e.Status) }

// Checks is what merge requests need of status checks.
type Checks interface {
	AllPassed(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) (bool, error)
	Dispatch(ctx context.Context, ch statuscheck.Change) error
}

// Pipelines finds a commit's newest pipeline, the merge request's head
// pipeline.
type Pipelines interface {
	Newest(ctx context.Context, projectID int64, sha, ref string) (*storagev1.Pipeline, error)
}

// Scopes tells what a user may do in a project when no request is in
// flight: an automatic merge is done with its user's rights at the time.
type Scopes interface {
	ScopeOf(ctx context.Context, userID int64, p *storagev1.Project) (*project.Scope, error)
}

// Service is the merge request domain.
type Service struct {
	store     store.Store
	repos     repository.Repositories
	checks    Checks
	pipelines Pipelines
	scopes    Scopes
	events    event.Bus
	notes     note.Writer
	clock     clock.Clock
	logger    *slog.Logger
	holder    *lease.Holder // names each hold apart (see lease.Holder)
}

// Deps are what a Service needs.
type Deps struct {
	Store     store.Store
	Repos     repository.Repositories
	Checks    Checks
	Pipelines Pipelines
	Scopes    Scopes
	Events    event.Bus
	Clock     clock.Clock
	Logger    *slog.Logger
	// Holder names this replica in leases.
	Holder string
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{
		store: d.Store, repos: d.Repos, checks: d.Checks, pipelines: d.Pipelines, scopes: d.Scopes, events: d.Events,
		notes: note.NewWriter(d.Store.Notes(), d.Clock, d.Logger), clock: d.Clock, logger: d.Logger, holder: lease.NewHolder(d.Holder),
	}
}

var draftTitle = regexp.MustCompile(`(?i)^\s*(\[draft\]|\(draft\)|draft:)`)

// IsDraftTitle reports whether a title marks a draft, as GitLab's prefixes
// "Draft:", "[Draft]" and "(Draft)" do.
func IsDraftTitle(title string) bool { return draftTitle.MatchString(title) }

// leaseTTL bounds how long one change to a merge request may hold it.
const leaseTTL = 30 * time.Second

// locked runs f while holding the merge request's lease, so that a push, a
// merge and an edit arriving together do not overwrite each other's writes.
func (s *Service) locked(ctx context.Context, pid, iid int64, f func() error) error {
	name := "mr:" + strconv.FormatInt(pid, 10) + ":" + strconv.FormatInt(iid, 10)
	return lease.Hold(ctx, s.store.Leases(), name, s.holder.Next(), leaseTTL, f)
}

// get reads a merge request the caller may see.
func (s *Service) get(ctx context.Context, sc *project.Scope, iid int64) (*storagev1.MergeRequest, error) {
	if !sc.CanReadMergeRequests() {
		return nil, ErrNotFound
	}
	mr, err := s.store.MergeRequests().Get(ctx, sc.Project.GetId(), iid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return mr, err
}

func (s *Service) publish(ctx context.Context, mr *storagev1.MergeRequest) {
	s.events.Publish(ctx, event.Event{Kind: event.MergeRequestChanged, ProjectID: mr.GetProjectId(), MergeRequestIID: mr.GetIid()})
}

// dispatch tells the status checks; a failure is logged, not returned: the
// merge request change itself has happened and must be reported as such.
func (s *Service) dispatch(ctx context.Context, ch statuscheck.Change) {
	if m, err := s.mergeability(ctx, ch.Project, ch.MergeRequest); err == nil {
		ch.MergeStatus = string(m.Status)
	}
	if err := s.checks.Dispatch(ctx, ch); err != nil {
		s.logger.ErrorContext(ctx, "dispatch to status checks", "project_id", ch.Project.GetId(),
			"mr_iid", ch.MergeRequest.GetIid(), "action", ch.Action, "error", err)
	}
}
