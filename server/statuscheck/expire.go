package statuscheck

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/event"
)

// sweepBatch is how many due deadlines one sweep handles.
const sweepBatch = 200

// TimeoutReason is why Signalbox failed a response.
const TimeoutReason = "no answer before the status check timeout"

// ExpireDue turns every pending response whose deadline has come into a
// durable failed one, and announces it. Reads already report such a response
// as failed; this writes it down and wakes watchers. It is idempotent and
// safe on any number of replicas: the write happens before the deadline
// entry is claimed, so a crash in between only repeats the same write.
// It returns how many responses it failed.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.clock.Now()
	due, err := s.store.Responses().Due(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, d := range due {
		newest, err := s.store.Responses().Newest(ctx, d.Key.ProjectID, d.Key.MergeRequestIID, d.Key.SHA, []int64{d.Key.CheckID})
		if err != nil {
			return failed, err
		}
		r := newest[d.Key.CheckID]
		stillPending := r != nil && r.GetId() == d.ResponseID &&
			r.GetStatus() == int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING) && r.GetDeadline() != nil
		if stillPending && now.Before(r.GetDeadline().AsTime()) {
			// The index keeps whole milliseconds, so a deadline later in
			// this very millisecond is listed as due. Claiming it now would
			// drop it unexpired and unannounced; the next sweep takes it.
			continue
		}
		if stillPending {
			r.Status = int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED)
			r.FailureReason = TimeoutReason
			r.Deadline = nil
			if err := s.store.Responses().Replace(ctx, r); err != nil {
				return failed, err
			}
		}
		won, err := s.store.Responses().ClaimDue(ctx, d)
		if err != nil {
			return failed, err
		}
		if stillPending && won {
			failed++
			s.logger.InfoContext(ctx, "status check timed out", "project_id", d.Key.ProjectID,
				"mr_iid", d.Key.MergeRequestIID, "check_id", d.Key.CheckID, "sha", d.Key.SHA,
				"late_ms", now.Sub(d.Deadline).Milliseconds())
			s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: d.Key.ProjectID, MergeRequestIID: d.Key.MergeRequestIID})
		}
	}
	return failed, nil
}
