package mergetrain

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// What a train record keeps besides its active cars.
const (
	// keptComplete is how many merged and skip_merged cars the record keeps
	// (GitLab looks at the last 20): their commits are how the train knows
	// its own pushes. Older ones are archived, for the car lists.
	keptComplete = 20
	// keptDropped is how many dropped cars the record keeps, for the train's
	// history; GitLab deletes them at once.
	keptDropped = 20
	// keptApplied is how long a command's outcome stays for its requester.
	keptApplied = 10 * time.Minute
)

// errLostTrain means the train changed under a writer: another owner wrote
// it, or this one lost its lease. The writer stops; whoever owns the train
// plans again from what is stored.
var errLostTrain = errors.New("the train changed under its writer")

// commit stores the version after cur that change makes of a copy of it,
// and returns it. Only one version can follow cur, so of two writers that
// read cur at most one commits; a writer whose lease is gone (ctx done)
// writes nothing.
func (s *Service) commit(ctx context.Context, cur *storagev1.Train, change func(next *storagev1.Train) error) (*storagev1.Train, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%w: %w", errLostTrain, context.Cause(ctx))
	}
	next := proto.CloneOf(cur)
	next.Version, next.ParentId, next.Id = cur.GetVersion()+1, cur.GetId(), versionID()
	next.Holder, next.UpdateTime = s.holder, timestamppb.New(s.clock.Now())
	if err := change(next); err != nil {
		return nil, err
	}
	if err := s.trim(ctx, cur, next); err != nil {
		return nil, err
	}
	err := s.store.Trains().Commit(ctx, next)
	if errors.Is(err, store.ErrConflict) {
		return nil, errLostTrain
	}
	if err != nil {
		return nil, fmt.Errorf("commit train %d/%s: %w", next.GetProjectId(), next.GetTargetBranch(), err)
	}
	s.committed.fire()
	return next, nil
}

// trim keeps t, the version after cur, small: the newest complete cars
// (older ones go to the archive first, so a crash loses none; only cars
// already complete in cur, so nothing not yet committed is archived), the
// newest dropped ones whose effects are done, and recent command outcomes.
func (s *Service) trim(ctx context.Context, cur, t *storagev1.Train) error {
	var complete []int
	for i, c := range t.GetCars() {
		was := carByID(cur, c.GetId())
		if settled(c) && was != nil && settled(was) {
			complete = append(complete, i)
		}
	}
	if extra := len(complete) - keptComplete; extra > 0 {
		old := make([]*storagev1.Car, 0, extra)
		for _, i := range complete[:extra] {
			old = append(old, t.Cars[i])
		}
		if err := s.store.Trains().Archive(ctx, t.GetProjectId(), old); err != nil {
			return err
		}
		t.Cars = slices.DeleteFunc(t.Cars, func(c *storagev1.Car) bool { return slices.Contains(old, c) })
	}
	var done []*storagev1.Car
	for _, c := range t.GetDropped() {
		if !c.GetEffectsPending() {
			done = append(done, c)
		}
	}
	if extra := len(done) - keptDropped; extra > 0 {
		t.Dropped = slices.DeleteFunc(t.Dropped, func(c *storagev1.Car) bool { return slices.Contains(done[:extra], c) })
	}
	cutoff := s.clock.Now().Add(-keptApplied)
	t.Applied = slices.DeleteFunc(t.Applied, func(a *storagev1.AppliedCommand) bool { return a.GetTime().AsTime().Before(cutoff) })
	return nil
}

// settled reports whether c is history: merged or skip_merged, its effects
// done.
func settled(c *storagev1.Car) bool {
	st := train.State(c.GetState())
	return (st == train.StateMerged || st == train.StateSkipMerged) && !c.GetEffectsPending()
}

func versionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// carByID returns the train's car with id, or nil.
func carByID(t *storagev1.Train, id int64) *storagev1.Car {
	for _, c := range t.GetCars() {
		if c.GetId() == id {
			return c
		}
	}
	return nil
}

// carFor returns the car of merge request iid that is still on the train
// (active or merging), or nil.
func carFor(t *storagev1.Train, iid int64) *storagev1.Car {
	for _, c := range t.GetCars() {
		if c.GetMergeRequestIid() == iid && train.State(c.GetState()).Refreshable() {
			return c
		}
	}
	return nil
}

// latestCarFor returns the newest car of merge request iid the train still
// holds, whatever its state (dropped ones aside: GitLab deletes those), or
// nil.
func latestCarFor(t *storagev1.Train, iid int64) *storagev1.Car {
	var latest *storagev1.Car
	for _, c := range t.GetCars() {
		if c.GetMergeRequestIid() == iid && (latest == nil || c.GetId() > latest.GetId()) {
			latest = c
		}
	}
	return latest
}

// insertCar puts c into the train in id order.
func insertCar(t *storagev1.Train, c *storagev1.Car) {
	i, _ := slices.BinarySearchFunc(t.Cars, c.GetId(), func(x *storagev1.Car, id int64) int {
		switch {
		case x.GetId() < id:
			return -1
		case x.GetId() > id:
			return 1
		}
		return 0
	})
	t.Cars = slices.Insert(t.Cars, i, c)
}

// removeCar takes car id out of the train's cars and returns it.
func removeCar(t *storagev1.Train, id int64) *storagev1.Car {
	for i, c := range t.GetCars() {
		if c.GetId() == id {
			t.Cars = slices.Delete(t.Cars, i, i+1)
			return c
		}
	}
	return nil
}

// causeRecord stores a train.Cause.
func causeRecord(c train.Cause, base string) *storagev1.Cause {
	r := &storagev1.Cause{Reason: int32(c.Reason), Detail: c.Detail, BaseSha: base}
	for _, p := range c.Paths {
		r.Paths = append(r.Paths, []byte(p))
	}
	return r
}

// causeOf reads a stored cause back.
func causeOf(r *storagev1.Cause) train.Cause {
	c := train.Cause{Reason: train.Reason(r.GetReason()), Detail: r.GetDetail()}
	for _, p := range r.GetPaths() {
		c.Paths = append(c.Paths, string(p))
	}
	return c
}
