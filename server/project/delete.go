package project

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/conditional"
	"github.com/signalbox/signalbox/server/crashpoint"
	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/store"
)

// Crash points of a deletion (see crashpoint): just after the mark, before
// the caller is answered; and after the records are purged, before the
// repository is removed.
const (
	CrashAfterDeleteMark = "project-delete-marked"
	CrashAfterPurge      = "project-purge-records"
)

// deletionLeaseTTL is how long a replica that died marking or purging a
// project delays the next purge. A pass that outlives it may overlap
// another's: purging is idempotent, so that only repeats work; what the
// lease must exclude is dropping a queue entry between a mark's two writes,
// which take milliseconds.
const deletionLeaseTTL = 10 * time.Second

// purgeInterval is how often the purger looks for deletions to finish
// without a nudge (a crash, another replica's delete, the grace).
const purgeInterval = 5 * time.Second

func deletionLease(pid int64) string { return "project-delete:" + strconv.FormatInt(pid, 10) }

// Delete deletes a project, as GitLab's DELETE /projects/:id: owners only.
// The project is gone for every reader and writer when Delete returns; its
// records and repository are removed by the Purger, in the background, and
// a crash on the way only delays that.
func (s *Service) Delete(ctx context.Context, sc *Scope) error {
	if err := sc.Require(auth.Owner); err != nil {
		return err
	}
	if err := conditional.Check(ctx, conditional.Latest(sc.Project.GetCreateTime(), sc.Project.GetLastActivityTime())); err != nil {
		return err
	}
	pid := sc.Project.GetId()
	var marked bool
	// Under the purger's lease, so a purger never sees the queue entry
	// without the mark that follows it and drops it as a leftover.
	err := lease.Hold(ctx, s.store.Leases(), deletionLease(pid), s.purger.holder(), deletionLeaseTTL, func() error {
		var err error
		marked, err = s.store.Projects().MarkDeleted(ctx, pid, s.clock.Now())
		return err
	})
	if err != nil {
		return err
	}
	if !marked {
		return ErrNotFound // someone else deleted it first
	}
	s.logger.InfoContext(ctx, "project deleted; purging its records", "project_id", pid,
		"path", sc.Project.GetNamespacePath()+"/"+sc.Project.GetPath())
	if s.purger != nil {
		s.purger.crash.Here(CrashAfterDeleteMark)
		s.purger.Wake()
	}
	return nil
}

// Purger finishes deletions: it removes every record and the repository of
// each project marked deleted, and keeps doing so for a grace period after
// the mark, so that a write that was in flight when the project was deleted
// (a push, a check's answer, a train's step) and lands late is removed too.
// Any number of replicas may run it; a lease keeps each project to one.
type Purger struct {
	store            store.Store
	clock            clock.Clock
	logger           *slog.Logger
	owner            string
	grace            time.Duration
	crash            crashpoint.Set
	removeRepository func(ctx context.Context, projectID int64) error
	nudge            loop.Nudge
}

// PurgerDeps is what a Purger works with.
type PurgerDeps struct {
	Store  store.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Holder names this replica in leases.
	Holder string
	// Grace is how long after the mark deletion is repeated (see Purger).
	Grace time.Duration
	Crash crashpoint.Set
	// RemoveRepository removes the project's git repository; removing one
	// that is gone is no error.
	RemoveRepository func(ctx context.Context, projectID int64) error
}

// NewPurger returns a Purger.
func NewPurger(d PurgerDeps) *Purger {
	return &Purger{
		store: d.Store, clock: d.Clock, logger: d.Logger, owner: d.Holder, grace: d.Grace, crash: d.Crash,
		removeRepository: d.RemoveRepository, nudge: loop.NewNudge(),
	}
}

// WithPurger has Delete wake p and share its leases.
func WithPurger(p *Purger) Option { return optionFunc(func(s *Service) { s.purger = p }) }

func (p *Purger) holder() string {
	if p == nil {
		return "projects"
	}
	return p.owner
}

// Wake asks the purger to run now.
func (p *Purger) Wake() {
	if p != nil {
		p.nudge.Wake()
	}
}

// Run purges until ctx ends.
func (p *Purger) Run(ctx context.Context) {
	loop.Run(ctx, "project-purge", purgeInterval, p.nudge, p.logger, p.PurgeDeleted)
}

// PurgeDeleted runs one pass over every project being deleted.
func (p *Purger) PurgeDeleted(ctx context.Context) error {
	deleting, err := p.store.Projects().Deleting(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range deleting {
		errs = append(errs, loop.Guard(ctx, p.logger, func() error { return p.purge(ctx, d) }))
	}
	return errors.Join(errs...)
}

func (p *Purger) purge(ctx context.Context, d store.DeletingProject) error {
	name := deletionLease(d.ID)
	ok, err := p.store.Leases().Acquire(ctx, name, p.owner, deletionLeaseTTL)
	if err != nil || !ok {
		return err // another replica is on it
	}
	defer p.store.Leases().Release(context.WithoutCancel(ctx), name, p.owner)
	projects := p.store.Projects()
	switch err := projects.Purge(ctx, d.ID); {
	case errors.Is(err, store.ErrNotFound):
		// Queued but never marked (a crash before the mark, so the delete
		// was never answered), or forgotten but for the queue entry.
		return projects.Forget(ctx, d.ID)
	case err != nil:
		return err
	}
	p.crash.Here(CrashAfterPurge)
	if err := p.removeRepository(ctx, d.ID); err != nil {
		return err
	}
	if p.clock.Now().Before(d.MarkedAt.Add(p.grace)) {
		return nil // again next pass: late writes may still land
	}
	if err := projects.Forget(ctx, d.ID); err != nil {
		return err
	}
	p.logger.InfoContext(ctx, "project purged", "project_id", d.ID)
	return nil
}
