package mergetrain

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// drop takes a car off the train for cause, then does what that entails
// (see completeEffects). userID is who took it off; 0 for the train.
func (s *Service) drop(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, carID int64, cause train.Cause, userID int64) error {
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		leave(next, carByID(next, carID), cause, "", userID, timestamppb.New(s.clock.Now()))
		if cause.Reason == train.ReasonPipelineFailed {
			recordOutcomes(next, true, 1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "car dropped", "project_id", p.GetId(), "car_id", carID, "reason", cause.Reason.String())
	_, err = s.completeEffects(ctx, p, next)
	return err
}

// skipMerged records that a car's merge request was merged outside the
// train. When the project lets the train keep its pipelines over such a
// merge (merge-commit trains only, as in GitLab), the car names the push,
// so the train knows it.
func (s *Service) skipMerged(ctx context.Context, p *storagev1.Project, cur *storagev1.Train, a train.SkipMerged) error {
	c := carByID(cur, a.Car)
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
	if err != nil {
		return err
	}
	keep := keepsPipelinesOverSkips(p)
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		nc := carByID(next, a.Car)
		now := timestamppb.New(s.clock.Now())
		nc.State, nc.MergeTime, nc.UpdateTime, nc.EffectsPending = int32(train.StateSkipMerged), now, now, true
		if keep {
			nc.MergeSha, nc.MergeFromSha = mr.GetLandingSha(), mr.GetLandingFrom()
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.completeEffects(ctx, p, next)
	return err
}

// completeEffects does what cars that left the train still need, and then
// records it done: their pipeline cancelled, their train ref deleted, and
// for a dropped car one system note saying why and its merge request's
// auto-merge turned off. Each step is idempotent, so the next owner simply
// does them again after a crash; the note is written once whatever
// happens. It runs only after the car's leaving was committed, so a writer
// that lost its lease never cancels the pipeline of a car that stays.
func (s *Service) completeEffects(ctx context.Context, p *storagev1.Project, cur *storagev1.Train) (*storagev1.Train, error) {
	var due []*storagev1.Car
	for _, c := range append(cur.GetCars()[:len(cur.GetCars()):len(cur.GetCars())], cur.GetDropped()...) {
		if c.GetEffectsPending() {
			due = append(due, c)
		}
	}
	if len(due) == 0 {
		return cur, nil
	}
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, c := range due {
		for _, id := range []int64{c.GetPipelineId(), c.GetScreenPipelineId()} {
			if id == 0 {
				continue
			}
			if err := s.pipelines.Cancel(ctx, p, id); err != nil {
				return nil, err
			}
		}
		if c.GetScreenSha() != "" {
			s.deleteRef(ctx, p, screenRef(c.GetMergeRequestIid()), c.GetScreenSha())
		}
		if c.GetTrainSha() != "" {
			if err := repo.DeleteRefAt(ctx, trainRef(c.GetMergeRequestIid()), c.GetTrainSha()); err != nil {
				// A stale ref is harmless; a train that cannot move is not.
				s.logger.WarnContext(ctx, "delete train ref", "project_id", p.GetId(), "mr_iid", c.GetMergeRequestIid(), "error", err)
			}
		}
		if c.GetDrop() != nil {
			s.notes.System(ctx, p.GetId(), c.GetMergeRequestIid(), c.GetDropUserId(), causeOf(c.GetDrop()).Note(s.externalURL), "car:"+itoa(c.GetId())+":drop")
			_, err := s.mergeRequests.ClearAutoMerge(ctx, p, c.GetMergeRequestIid(), mergerequest.StrategyMergeTrain, c.GetId(), nil)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
		}
	}
	next, err := s.commit(ctx, cur, func(next *storagev1.Train) error {
		for _, c := range append(next.GetCars()[:len(next.GetCars()):len(next.GetCars())], next.GetDropped()...) {
			c.EffectsPending = false
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range due {
		s.publishCar(ctx, next, c.GetId())
	}
	return next, nil
}

// publishCar tells watchers a car changed: a hint, not a trigger.
func (s *Service) publishCar(ctx context.Context, t *storagev1.Train, carID int64) {
	iid := int64(0)
	for _, c := range append(t.GetCars()[:len(t.GetCars()):len(t.GetCars())], t.GetDropped()...) {
		if c.GetId() == carID {
			iid = c.GetMergeRequestIid()
		}
	}
	s.events.Publish(ctx, event.Event{Kind: event.PipelineChanged, ProjectID: t.GetProjectId(), MergeRequestIID: iid})
}
