package statuscheck

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/event"
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
	// Deadline is when attempts stop: the check's pending deadline.
	Deadline time.Time
}

// Sender queues deliveries; the delivery package implements it durably.
type Sender interface {
	Send(ctx context.Context, o Outgoing) error
	// Resend queues a copy of an earlier delivery: the same payload and
	// webhook id, attempted until deadline.
	Resend(ctx context.Context, d *storagev1.Delivery, deadline time.Time) (*storagev1.Delivery, error)
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
	// NewHead is set when the head sha is new (an opened merge request or a
	// push): every applicable check then gets a persisted pending response,
	// which fails when nobody answers in time.
	NewHead bool
}

// Dispatch tells every check that applies to the merge request about a
// change, and, for a new head, marks each check pending at it. GitLab marks
// only newly opened merge requests, so after a push its computed "pending"
// never times out; here every new head gets a deadline.
func (s *Service) Dispatch(ctx context.Context, ch Change) error {
	checks, err := s.applicable(ctx, ch.Project.GetId(), ch.MergeRequest.GetTargetBranch())
	if err != nil || len(checks) == 0 {
		return err
	}
	now := s.clock.Now()
	for _, c := range checks {
		deadline := now.Add(s.timeout(ch.Project, c.Record))
		if ch.NewHead {
			if _, err := s.store.Responses().Put(ctx, &storagev1.StatusCheckResponse{
				ProjectId:       ch.Project.GetId(),
				MergeRequestIid: ch.MergeRequest.GetIid(),
				CheckId:         c.Record.GetId(),
				Sha:             ch.MergeRequest.GetHeadSha(),
				Status:          int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING),
				CreateTime:      timestamppb.New(now),
				Deadline:        timestamppb.New(deadline),
			}); err != nil {
				return err
			}
		}
		if err := s.sender.Send(ctx, Outgoing{
			Project: ch.Project, MergeRequest: ch.MergeRequest, Check: c.Record, ActorID: ch.ActorID,
			Action: ch.Action, OldRev: ch.OldRev, MergeStatus: ch.MergeStatus, Deadline: deadline,
		}); err != nil {
			return err
		}
	}
	if ch.NewHead {
		s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: ch.Project.GetId(), MergeRequestIID: ch.MergeRequest.GetIid()})
	}
	return nil
}

// send queues one delivery on behalf of the caller in ctx.
func (s *Service) send(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, c *Check, action, oldRev string, deadline time.Time) error {
	var actor int64
	if caller := auth.FromContext(ctx); caller != nil {
		actor = caller.UserID
	}
	return s.sender.Send(ctx, Outgoing{Project: p, MergeRequest: mr, Check: c.Record, ActorID: actor, Action: action, OldRev: oldRev, Deadline: deadline})
}
