package mergetrain

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// Outcome is what applying a command did.
type Outcome int32

// Outcomes of commands.
const (
	// OutcomeJoined: the merge request is on the train.
	OutcomeJoined Outcome = iota + 1
	// OutcomeAlreadyOnTrain: it was on the train already; nothing changed.
	OutcomeAlreadyOnTrain
	// OutcomeLeft: its car left the train and will not merge.
	OutcomeLeft
	// OutcomeMerging: its car's merge had started; it stays.
	OutcomeMerging
	// OutcomeNotOnTrain: it had no car on the train (it left already).
	OutcomeNotOnTrain
)

// commandTimeout bounds how long a request waits for its command.
const commandTimeout = 30 * time.Second

// queue returns the Write that stores a merge request together with a
// command for the train ref, and the place where the command's id lands.
func (s *Service) queue(ref store.TrainRef, cmd *storagev1.TrainCommand) (mergerequest.Write, *int64) {
	id := new(int64)
	return func(ctx context.Context, mr *storagev1.MergeRequest) error {
		queued, err := s.store.Trains().Submit(ctx, ref, cmd, mr)
		if err != nil {
			return err
		}
		*id = queued.GetId()
		return nil
	}, id
}

// await waits until the command id is applied to the train, and returns its
// outcome. It applies it itself when no replica owns the train at that
// moment, and otherwise lets the owner apply it between two actions.
func (s *Service) await(ctx context.Context, p *storagev1.Project, ref store.TrainRef, id int64) (*storagev1.AppliedCommand, error) {
	s.wake.Wake()
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	for {
		t, err := s.store.Trains().Load(ctx, ref)
		if err != nil {
			return nil, err
		}
		if a := appliedCommand(t, id); a != nil && done(t, a) {
			return a, nil
		}
		if err := s.foldIfFree(ctx, p, ref); err != nil && !errors.Is(err, errLostTrain) {
			return nil, err
		}
		if t, err = s.store.Trains().Load(ctx, ref); err != nil {
			return nil, err
		}
		if a := appliedCommand(t, id); a != nil && done(t, a) {
			return a, nil
		}
		s.committed.wait(ctx, 20*time.Millisecond)
		if ctx.Err() != nil {
			return nil, ErrBusy
		}
	}
}

// done reports whether what an applied command set off is done too: a car
// that left has its note written and its pipeline cancelled, so the answer
// tells the whole truth.
func done(t *storagev1.Train, a *storagev1.AppliedCommand) bool {
	if Outcome(a.GetOutcome()) != OutcomeLeft {
		return true
	}
	for _, c := range t.GetDropped() {
		if c.GetId() == a.GetCarId() {
			return !c.GetEffectsPending()
		}
	}
	return true
}

func appliedCommand(t *storagev1.Train, id int64) *storagev1.AppliedCommand {
	for _, a := range t.GetApplied() {
		if a.GetId() == id {
			return a
		}
	}
	return nil
}

// foldIfFree applies the train's queued commands when no one owns the
// train, under its lease, and does nothing else: the owner loop moves the
// train afterwards.
func (s *Service) foldIfFree(ctx context.Context, p *storagev1.Project, ref store.TrainRef) error {
	held, release, ok, err := s.hold(ctx, trainLease(ref))
	if err != nil || !ok {
		return err
	}
	defer release()
	cur, err := s.store.Trains().Load(held, ref)
	if err != nil {
		return err
	}
	_, err = s.foldCommands(held, p, cur)
	return err
}

// foldCommands applies the train's queued commands to cur in id order, in
// one version, finishes what the cars that left need, and forgets the
// commands. A command already applied (a crash before it was forgotten) is
// only forgotten.
func (s *Service) foldCommands(ctx context.Context, p *storagev1.Project, cur *storagev1.Train) (*storagev1.Train, error) {
	ref := store.TrainRef{ProjectID: cur.GetProjectId(), Branch: cur.GetTargetBranch()}
	cmds, err := s.store.Trains().Commands(ctx, ref)
	if err != nil || len(cmds) == 0 {
		return cur, err
	}
	var pending []*storagev1.TrainCommand
	var done []int64
	for _, c := range cmds {
		if appliedCommand(cur, c.GetId()) != nil {
			done = append(done, c.GetId())
		} else {
			pending = append(pending, c)
		}
	}
	if len(pending) > 0 {
		var changed []int64
		next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
			changed = changed[:0]
			for _, c := range pending {
				outcome, carID := s.applyCommand(next, c)
				next.Applied = append(next.Applied, &storagev1.AppliedCommand{
					Id: c.GetId(), Outcome: int32(outcome), CarId: carID, Time: timestamppb.New(s.clock.Now()),
				})
				if outcome == OutcomeJoined {
					changed = append(changed, carID)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		cur = next
		for _, c := range pending {
			done = append(done, c.GetId())
		}
		for _, id := range changed {
			s.publishCar(ctx, cur, id)
		}
		if cur, err = s.completeEffects(ctx, p, cur); err != nil {
			return nil, err
		}
	}
	return cur, s.store.Trains().Forget(ctx, ref, done)
}

// applyCommand applies one command to next, the train's next version.
func (s *Service) applyCommand(next *storagev1.Train, c *storagev1.TrainCommand) (Outcome, int64) {
	now := timestamppb.New(s.clock.Now())
	switch k := c.GetKind().(type) {
	case *storagev1.TrainCommand_Join:
		j := k.Join
		if car := carFor(next, j.GetMergeRequestIid()); car != nil {
			return OutcomeAlreadyOnTrain, car.GetId()
		}
		insertCar(next, &storagev1.Car{
			Id: j.GetCarId(), ProjectId: next.GetProjectId(), TargetBranch: next.GetTargetBranch(),
			MergeRequestIid: j.GetMergeRequestIid(), UserId: c.GetUserId(), State: int32(train.StateIdle),
			HeadSha: j.GetHeadSha(), Squash: j.GetSquash(), CreateTime: c.GetCreateTime(), UpdateTime: now,
		})
		return OutcomeJoined, j.GetCarId()
	case *storagev1.TrainCommand_Leave:
		car := latestCarFor(next, k.Leave.GetMergeRequestIid())
		switch {
		case car == nil || train.State(car.GetState()) == train.StateSkipMerged:
			return OutcomeNotOnTrain, 0
		case !train.State(car.GetState()).Active():
			return OutcomeMerging, car.GetId() // merging or merged: its merge has started
		}
		leave(next, car, train.Cause{Reason: train.ReasonCancelled}, "", c.GetUserId(), now)
		return OutcomeLeft, car.GetId()
	}
	return OutcomeNotOnTrain, 0
}

// leave moves car from the train's cars to its dropped ones, with its
// effects still to do (see completeEffects).
func leave(next *storagev1.Train, car *storagev1.Car, cause train.Cause, base string, userID int64, now *timestamppb.Timestamp) {
	gone := removeCar(next, car.GetId())
	gone.Drop, gone.DropTime, gone.EffectsPending = causeRecord(cause, base), now, true
	gone.DropUserId = userID
	if userID == 0 {
		gone.DropUserId = gone.GetUserId()
	}
	next.Dropped = append(next.Dropped, gone)
}
