package statuscheck

import (
	"context"
	"errors"
	"log/slog"
	"time"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/store"
)

// sweepBatch is how many due deadlines one sweep handles.
const sweepBatch = 200

// ExpireDue announces every pending response whose deadline has come.
// Reads already report such a response as failed, from its deadline on,
// on every replica; this wakes watchers and logs it. It writes nothing to
// the response: a write here would race with a retry or an answer that
// arrives at the same moment and could undo it, and the store has no
// conditional write to prevent that (no WATCH, no Lua). It is safe on any
// number of replicas: claiming the deadline entry decides which one
// announces it. Each entry is handled under loop.Guard, so one that panics
// is logged and dropped, and the others are still announced. It returns how
// many responses it announced as failed.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.clock.Now()
	due, err := s.store.Responses().Due(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, d := range due {
		logger := s.logger.With("project_id", d.Key.ProjectID, "mr_iid", d.Key.MergeRequestIID, "check_id", d.Key.CheckID, "sha", d.Key.SHA)
		var announced bool
		err := loop.Guard(ctx, logger, func() (err error) {
			announced, err = s.expire(ctx, logger, now, d)
			return err
		})
		if errors.Is(err, loop.ErrPanicked) {
			// Handling this entry panics, and would again on every sweep:
			// drop it. Only its announcement is lost; reads report the
			// response failed from its deadline on regardless.
			_, err = s.store.Responses().ClaimDue(ctx, d)
		}
		if err != nil {
			return failed, err
		}
		if announced {
			failed++
		}
	}
	return failed, nil
}

// expire handles one due entry and reports whether it announced a failure.
func (s *Service) expire(ctx context.Context, logger *slog.Logger, now time.Time, d store.DueResponse) (bool, error) {
	newest, err := s.store.Responses().Newest(ctx, d.Key.ProjectID, d.Key.MergeRequestIID, d.Key.SHA, []int64{d.Key.CheckID})
	if err != nil {
		return false, err
	}
	// The entry is current while its response is still the newest and
	// still pending on this very deadline; an answer or a retry since has
	// left it stale, and it is only removed.
	r := newest[d.Key.CheckID]
	current := r != nil && r.GetId() == d.ResponseID &&
		r.GetStatus() == int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING) &&
		r.GetDeadline() != nil && r.GetDeadline().AsTime().UnixMilli() == d.Deadline.UnixMilli()
	if current && now.Before(r.GetDeadline().AsTime()) {
		// The index keeps whole milliseconds, so a deadline later in this
		// very millisecond is listed as due. Claiming it now would drop it
		// unannounced; the next sweep takes it.
		return false, nil
	}
	won, err := s.store.Responses().ClaimDue(ctx, d)
	if err != nil || !current || !won {
		return false, err
	}
	logger.InfoContext(ctx, "status check timed out", "late_ms", now.Sub(d.Deadline).Milliseconds())
	s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: d.Key.ProjectID, MergeRequestIID: d.Key.MergeRequestIID})
	return true, nil
}
