package mergetrain

import (
	"context"
	"errors"
	"fmt"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// maxActions bounds the actions of one refresh; a train with more to do
// keeps its mark and goes on at the next tick.
const maxActions = 200

// refresh brings one train to rest under its lease, and reports whether it
// did. Each round reads the train, finishes the effects of earlier drops,
// applies the queued commands, and then plans with train.Schedule from what
// it reads of the merge requests, pipelines and target, and applies the
// plan's first action only: the next round plans again from what that
// action left. A command queued while it planned is applied before any
// action, so a cancel is never overtaken by a decision it did not see.
func (s *Service) refresh(ctx context.Context, p *storagev1.Project, branch string) (bool, error) {
	ref := store.TrainRef{ProjectID: p.GetId(), Branch: branch}
	held, release, ok, err := s.hold(ctx, trainLease(ref))
	if err != nil || !ok {
		return false, err
	}
	defer release()
	for range maxActions {
		cur, err := s.store.Trains().Load(held, ref)
		if err != nil {
			return false, err
		}
		if cur, err = s.completeEffects(held, p, cur); err != nil {
			return false, s.stopped(held, err)
		}
		if cur, err = s.foldCommands(held, p, cur); err != nil {
			return false, s.stopped(held, err)
		}
		if err := s.followChecks(held, p, cur); err != nil {
			return false, err
		}
		if !hasWork(cur) {
			return true, nil
		}
		snap, err := s.snapshot(held, p, cur)
		if err != nil {
			return false, err
		}
		plan, err := train.Schedule(snap)
		if err != nil {
			return false, err
		}
		if len(plan) == 0 {
			return true, nil
		}
		if queued, err := s.store.Trains().Commands(held, ref); err != nil || len(queued) > 0 {
			if err != nil {
				return false, err
			}
			continue // apply them first
		}
		s.logger.DebugContext(held, "train action", "project_id", p.GetId(), "target_branch", branch, "action", plan[0].String())
		if err := s.apply(held, p, cur, plan[0]); err != nil {
			if errors.Is(err, errLostTrain) && held.Err() == nil {
				continue // another writer went first: plan again from what it wrote
			}
			return false, s.stopped(held, fmt.Errorf("%s: %w", plan[0], err))
		}
	}
	return false, nil
}

// stopped is the error of a refresh that stopped: the lease loss when that
// is what stopped it.
func (s *Service) stopped(held context.Context, err error) error {
	if cause := context.Cause(held); cause != nil && errors.Is(err, errLostTrain) {
		return cause
	}
	return err
}

// hasWork reports whether a train has anything for a refresh to do.
func hasWork(t *storagev1.Train) bool {
	for _, c := range t.GetCars() {
		if train.State(c.GetState()).Refreshable() {
			return true
		}
	}
	return false
}

// apply carries out one action of a plan made from cur.
func (s *Service) apply(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.Action) error {
	if carByID(cur, a.CarID()) == nil {
		return fmt.Errorf("plan names unknown car %d", a.CarID())
	}
	switch a := a.(type) {
	case train.Build:
		return s.build(ctx, p, cur, a)
	case train.Drop:
		return s.drop(ctx, p, cur, a.Car, a.Cause, 0)
	case train.SkipMerged:
		return s.skipMerged(ctx, p, cur, a)
	case train.Merge:
		if len(a.Through) > 0 {
			return s.mergeBatch(ctx, p, cur, a)
		}
		return s.merge(ctx, p, cur, a)
	case train.Chain:
		return s.chain(ctx, p, cur, a)
	case train.Test:
		return s.test(ctx, p, cur, a)
	case train.Screen:
		return s.screen(ctx, p, cur, a)
	case train.Admit:
		return s.admit(ctx, p, cur, a)
	case train.Expel:
		return s.expel(ctx, p, cur, a.Cancel, a.Blame, a.Car)
	case train.Split:
		return s.expel(ctx, p, cur, 0, false, a.Cars...)
	case train.FinishMerge:
		return s.finishMerge(ctx, p, cur, a)
	}
	return fmt.Errorf("unknown action %T", a)
}
