package statuscheck

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// Retry sets a failed check back to pending at the merge request's head and
// asks the external service again (GitLab's E7). Only a newest response
// that is failed (or pending past its deadline) can be retried; a check with
// no response at the head, or a passed or pending one, cannot.
// Developers and above.
//
// The read that decides and the write happen under the pair's lease, so an
// answer acknowledged meanwhile is never overwritten: it either lands
// before the read (and the retry answers 422) or after the write (and
// stands). The pending response and its delivery are one write.
func (s *Service) Retry(ctx context.Context, sc *project.Scope, iid, checkID int64) error {
	mr, err := s.mergeRequest(ctx, sc, iid)
	if err != nil {
		return err
	}
	if err := sc.Require(auth.Developer); err != nil {
		return err
	}
	rec, err := s.get(ctx, sc.Project.GetId(), checkID)
	if err != nil {
		return err
	}
	pid, sha := sc.Project.GetId(), mr.GetHeadSha()
	failed := func() (*storagev1.StatusCheckResponse, error) {
		newest, err := s.store.Responses().Newest(ctx, pid, iid, sha, []int64{checkID})
		if err != nil {
			return nil, err
		}
		r := newest[checkID]
		if statusAt(r, s.clock.Now()) != signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED {
			return nil, ErrNotFailed
		}
		return r, nil
	}
	// Most retries that cannot succeed are refused here, before a payload
	// is built.
	if _, err := failed(); err != nil {
		return err
	}
	checks, err := s.withBranches(ctx, pid, rec)
	if err != nil {
		return err
	}
	deadline := s.clock.Now().Add(s.timeout(sc.Project, rec))
	var actor int64
	if caller := auth.FromContext(ctx); caller != nil {
		actor = caller.UserID
	}
	deliveries, err := s.sender.Deliveries(ctx, []Outgoing{{
		Project: sc.Project, MergeRequest: mr, Check: checks[0].Record, ActorID: actor, Action: ActionRetry, Deadline: deadline,
	}})
	if err != nil {
		return err
	}
	err = s.holdPairs(ctx, pid, iid, []int64{checkID}, func() error {
		r, err := failed()
		if err != nil {
			return err
		}
		// As in GitLab, the failed response itself goes back to pending.
		r.Status = int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING)
		r.RetryTime = timestamppb.New(s.clock.Now())
		r.Deadline = timestamppb.New(deadline)
		return s.store.Responses().Dispatch(ctx, store.Dispatch{
			ProjectID: pid, MergeRequestIID: iid, Responses: []*storagev1.StatusCheckResponse{r}, Deliveries: deliveries,
		})
	})
	if err != nil {
		return err
	}
	s.crash.Here(CrashRetryWritten)
	s.sender.Queued()
	s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: pid, MergeRequestIID: iid})
	return nil
}
