package statuscheck

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/project"
)

// Retry sets a failed check back to pending at the merge request's head and
// asks the external service again (GitLab's E7). Only a newest response
// that is failed (or pending past its deadline) can be retried; a check with
// no response at the head, or a passed or pending one, cannot.
// Developers and above.
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
	newest, err := s.store.Responses().Newest(ctx, sc.Project.GetId(), iid, mr.GetHeadSha(), []int64{checkID})
	if err != nil {
		return err
	}
	now := s.clock.Now()
	r := newest[checkID]
	if statusAt(r, now) != signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED {
		return ErrNotFailed
	}
	// As in GitLab, the failed response itself goes back to pending.
	deadline := now.Add(s.timeout(sc.Project, rec))
	r.Status = int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING)
	r.RetryTime = timestamppb.New(now)
	r.Deadline = timestamppb.New(deadline)
	if err := s.store.Responses().Replace(ctx, r); err != nil {
		return err
	}
	s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: sc.Project.GetId(), MergeRequestIID: iid})
	checks, err := s.withBranches(ctx, sc.Project.GetId(), rec)
	if err != nil {
		return err
	}
	return s.send(ctx, sc.Project, mr, checks[0], "retry", "", deadline)
}
