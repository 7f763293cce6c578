package statuscheck

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/store"
)

// Outgoing is one merge request event to send to one check.
type Outgoing struct {
	Project      *storagev1.Project
	MergeRequest *storagev1.MergeRequest
	Check        *storagev1.StatusCheck
	// ActorID is the user whose action caused the event (0 when Signalbox
	// itself did).
	ActorID int64
	// Action is open, update, close, reopen, merge, or retry.
	Action string
	// OldRev is the previous head, on a push to the source branch.
	OldRev string
	// MergeStatus is the merge request's detailed merge status, when known.
	MergeStatus string
	// Changes are the attributes the event changed (see AttributeChange).
	Changes []AttributeChange
	// Deadline is when attempts stop: the check's pending deadline.
	Deadline time.Time
	// Car, when set, makes the event about a merge train car's commit
	// (status checks that follow the train): the payload gets a merge_train
	// object, and the delivery is about Car.SHA.
	Car *Car
}

// Sender builds deliveries; the delivery package implements it.
type Sender interface {
	// Deliveries builds one delivery per event, without storing them: the
	// caller stores them with the responses they belong to, in one write.
	Deliveries(ctx context.Context, outs []Outgoing) ([]*storagev1.Delivery, error)
	// Queued tells the worker that deliveries were stored.
	Queued()
	// Resend queues a copy of an earlier delivery: the same payload and
	// webhook id, attempted until deadline.
	Resend(ctx context.Context, d *storagev1.Delivery, deadline time.Time) (*storagev1.Delivery, error)
	// Cancel withdraws a pending delivery that no attempt holds, and
	// reports whether it did; false for one being attempted now, or
	// finished.
	Cancel(ctx context.Context, ref store.DeliveryRef) (bool, error)
}

// Change is something that happened to a merge request, as the merge
// request domain reports it.
type Change struct {
	Project      *storagev1.Project
	MergeRequest *storagev1.MergeRequest
	ActorID      int64
	Action       string
	OldRev       string
	// MergeStatus is the detailed merge status, when known.
	MergeStatus string
	// Changes are the attributes the change changed, for the payload's
	// "changes".
	Changes []AttributeChange
	// NewHead is set when the head sha is new (an opened merge request or a
	// push): every applicable check then gets a persisted pending response,
	// which fails when nobody answers in time.
	NewHead bool
}

// Crash points of a dispatch, for the crash tests (see crashpoint).
const (
	// CrashDispatchBegin: the merge request's change is stored, nothing of
	// its dispatch is.
	CrashDispatchBegin = "statuscheck.dispatch.begin"
	// CrashDispatchBuilt: the payloads are built, nothing is written.
	CrashDispatchBuilt = "statuscheck.dispatch.built"
	// CrashDispatchWritten: responses, deliveries and the dispatched head
	// are written; the worker has not been woken.
	CrashDispatchWritten = "statuscheck.dispatch.written"
	// CrashRetryWritten: a retry's pending response and delivery are
	// written; the caller has no answer yet.
	CrashRetryWritten = "statuscheck.retry.written"
)

// Dispatch tells every check that applies to the merge request about a
// change, and, for a new head, marks each check pending at it. GitLab marks
// only newly opened merge requests, so after a push its computed "pending"
// never times out; here every new head gets a deadline.
//
// Everything a dispatch writes is one write (store.Responses.Dispatch): the
// pending responses, their deliveries, and the head as dispatched. The
// merge request's own record, stored before, is the outbox: a process that
// dies between the two leaves a head that is not the dispatched one, and
// CompleteDispatches finishes it when the server starts.
func (s *Service) Dispatch(ctx context.Context, ch Change) error {
	s.crash.Here(CrashDispatchBegin)
	checks, err := s.applicable(ctx, ch.Project.GetId(), ch.MergeRequest.GetTargetBranch())
	if err != nil {
		return err
	}
	return s.dispatch(ctx, ch, checks)
}

// dispatch asks checks about ch and, for a new head, marks them pending,
// in one write.
func (s *Service) dispatch(ctx context.Context, ch Change, checks []*Check) error {
	pid, iid := ch.Project.GetId(), ch.MergeRequest.GetIid()
	w := store.Dispatch{ProjectID: pid, MergeRequestIID: iid}
	if ch.NewHead {
		w.Head = ch.MergeRequest.GetHeadSha()
	}
	if len(checks) == 0 {
		if w.Head == "" {
			return nil
		}
		return s.store.Responses().Dispatch(ctx, w)
	}
	now := s.clock.Now()
	outs := make([]Outgoing, len(checks))
	ids := make([]int64, len(checks))
	for i, c := range checks {
		deadline := now.Add(s.timeout(ch.Project, c.Record))
		ids[i] = c.Record.GetId()
		outs[i] = Outgoing{
			Project: ch.Project, MergeRequest: ch.MergeRequest, Check: c.Record, ActorID: ch.ActorID,
			Action: ch.Action, OldRev: ch.OldRev, MergeStatus: ch.MergeStatus, Changes: ch.Changes, Deadline: deadline,
		}
		if ch.NewHead {
			w.Responses = append(w.Responses, &storagev1.StatusCheckResponse{
				ProjectId:       pid,
				MergeRequestIid: iid,
				CheckId:         c.Record.GetId(),
				Sha:             ch.MergeRequest.GetHeadSha(),
				Status:          int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING),
				CreateTime:      timestamppb.New(now),
				Deadline:        timestamppb.New(deadline),
			})
		}
	}
	var err error
	if w.Deliveries, err = s.sender.Deliveries(ctx, outs); err != nil {
		return err
	}
	s.crash.Here(CrashDispatchBuilt)
	write := func() error { return s.store.Responses().Dispatch(ctx, w) }
	if ch.NewHead {
		// Writing responses: serialised with answers and retries of the
		// same pairs.
		err = s.holdPairs(ctx, pid, iid, ids, write)
	} else {
		err = write()
	}
	if err != nil {
		return err
	}
	s.crash.Here(CrashDispatchWritten)
	s.sender.Queued()
	if ch.NewHead {
		s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: pid, MergeRequestIID: iid})
	}
	return nil
}
