package mergetrain

import (
	"context"
	"errors"
	"fmt"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/store"
)

const (
	// tick is how often the train loop looks for dirty projects, and so how
	// soon another replica retries a train whose owner died.
	tick = 250 * time.Millisecond
	// backstop re-marks every project with a train or an armed merge request
	// this often, in case a mark was lost (a crash between a push and its
	// mark).
	backstop = 30 * time.Second
	// settleRounds bounds Settle.
	settleRounds = 100
)

// errLeaseLost ends work whose lease could not be renewed.
var errLeaseLost = errors.New("lease lost")

// Run moves trains until ctx ends: it looks at every project marked dirty
// (by a change to what its trains or armed merge requests depend on) at
// once when nudged and every tick otherwise.
func (s *Service) Run(ctx context.Context) {
	last := time.Now()
	if err := s.markAll(ctx); err != nil && ctx.Err() == nil {
		s.logger.WarnContext(ctx, "mark trains at start", "error", err)
	}
	loop.Run(ctx, "trains", tick, s.wake, s.logger, func(ctx context.Context) error {
		if time.Since(last) >= backstop {
			last = time.Now()
			if err := s.markAll(ctx); err != nil {
				return err
			}
		}
		return s.RefreshDirty(ctx)
	})
}

// Pushed follows a push to the project's repository: its trains look at
// whether their target moved.
func (s *Service) Pushed(ctx context.Context, p *storagev1.Project) {
	if err := s.store.Trains().MarkDirty(ctx, p.GetId()); err != nil {
		s.logger.WarnContext(ctx, "mark trains after a push", "project_id", p.GetId(), "error", err)
	}
	s.wake.Wake()
}

// Settle brings every train to rest now, in this goroutine. Tests that
// need a deterministic order call it instead of Run.
func (s *Service) Settle(ctx context.Context) error {
	if err := s.markAll(ctx); err != nil {
		return err
	}
	for range settleRounds {
		dirty, err := s.store.Trains().Dirty(ctx)
		if err != nil || len(dirty) == 0 {
			return err
		}
		if err := s.RefreshDirty(ctx); err != nil {
			return err
		}
	}
	return fmt.Errorf("trains did not settle in %d rounds", settleRounds)
}

// markAll marks every project with a train or an armed merge request dirty.
func (s *Service) markAll(ctx context.Context) error {
	ids, err := s.store.Projects().IDs(ctx)
	if err != nil {
		return err
	}
	for _, pid := range ids {
		branches, err := s.store.Trains().Branches(ctx, pid)
		if err != nil {
			return err
		}
		armed, err := s.store.MergeRequests().Armed(ctx, pid)
		if err != nil {
			return err
		}
		if len(branches)+len(armed) > 0 {
			if err := s.store.Trains().MarkDirty(ctx, pid); err != nil {
				return err
			}
		}
	}
	return nil
}

// RefreshDirty looks at every project marked dirty that no other replica
// is looking at. A panic in one project is logged and the others go on.
func (s *Service) RefreshDirty(ctx context.Context) error {
	dirty, err := s.store.Trains().Dirty(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, pid := range dirty {
		errs = append(errs, loop.Guard(ctx, s.logger.With("project_id", pid), func() error { return s.processProject(ctx, pid) }))
	}
	return errors.Join(errs...)
}

// processProject gives the project's armed merge requests their chance and
// brings each of its trains to rest, under the project's lease. The mark is
// cleaned only when all of it is done, and set again when anything changed
// meanwhile, so no change goes unseen, and a replica that dies leaves the
// mark for another.
func (s *Service) processProject(ctx context.Context, pid int64) error {
	held, release, ok, err := s.hold(ctx, "trains:"+itoa(pid))
	if err != nil || !ok {
		return err
	}
	defer release()
	before, err := s.store.Trains().News(held, pid)
	if err != nil {
		return err
	}
	p, err := s.store.Projects().Get(held, pid)
	if errors.Is(err, store.ErrNotFound) {
		return s.store.Trains().Clean(held, pid)
	}
	if err != nil {
		return err
	}
	if err := s.processArmed(held, p); err != nil {
		return fmt.Errorf("auto-merge in project %d: %w", pid, err)
	}
	branches, err := s.store.Trains().Branches(held, pid)
	if err != nil {
		return err
	}
	rest := true
	var errs []error
	for _, b := range branches {
		settled, err := s.refresh(held, p, b)
		if err != nil {
			errs = append(errs, fmt.Errorf("train %d/%s: %w", pid, b, err))
		}
		rest = rest && settled
	}
	if !rest || len(errs) > 0 {
		return errors.Join(errs...) // the mark stays: again at the next tick
	}
	if err := s.store.Trains().Clean(held, pid); err != nil {
		return err
	}
	after, err := s.store.Trains().News(held, pid)
	if err != nil || after == before {
		return err
	}
	return s.store.Trains().MarkDirty(held, pid)
}

// hold takes lease name and keeps it, renewing it in the background, until
// release. The context it returns ends when the lease is lost, so that the
// work under it stops writing: a renewal that failed or found the lease
// taken. Each hold has a holder of its own, so a release never frees a
// lease another goroutine of this replica took since.
func (s *Service) hold(ctx context.Context, name string) (context.Context, func(), bool, error) {
	holder := s.holder + "/" + versionID()
	ok, err := s.store.Leases().Acquire(ctx, name, holder, s.leaseTTL)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	held, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(s.leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-held.Done():
				return
			case <-t.C:
				ok, err := s.store.Leases().Renew(held, name, holder, s.leaseTTL)
				if err != nil || !ok {
					cancel(fmt.Errorf("%w: %s (%v)", errLeaseLost, name, err))
					return
				}
			}
		}
	}()
	release := func() {
		close(stop)
		<-stopped
		cancel(nil)
		if err := s.store.Leases().Release(context.WithoutCancel(ctx), name, holder); err != nil {
			s.logger.WarnContext(ctx, "release lease", "lease", name, "error", err)
		}
	}
	return held, release, true, nil
}

// trainLease names a train's lease.
func trainLease(t store.TrainRef) string { return "train:" + itoa(t.ProjectID) + ":" + t.Branch }
