package statuscheck

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/store"
)

// CompleteDispatches finishes the dispatches that a process death cut
// short. The merge request's record is their outbox: a dispatch stores the
// head it dispatched (store.Dispatch.Head) in the same write as its pending
// responses and deliveries, so an open merge request whose head is not its
// dispatched head had its change stored and its dispatch lost. Every check
// that applies to it and has no response at its head then gets what the
// dispatch would have given it, a pending response with a deadline and a
// delivery, and the head is recorded. A check that already has a response
// keeps it. The server runs this when it starts; it returns how many
// merge requests it looked at.
//
// Merge requests from before dispatched heads were recorded look the same,
// and are completed once the same way: a check with no response at their
// head gets one.
func (s *Service) CompleteDispatches(ctx context.Context) (int, error) {
	pids, err := s.store.Projects().IDs(ctx)
	if err != nil {
		return 0, err
	}
	completed := 0
	for _, pid := range pids {
		heads, err := s.store.Responses().DispatchedHeads(ctx, pid)
		if err != nil {
			return completed, err
		}
		mrs, err := s.store.MergeRequests().List(ctx, pid)
		if err != nil {
			return completed, err
		}
		var p *storagev1.Project
		for _, mr := range mrs {
			if mr.GetState() != int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED) ||
				mr.GetHeadSha() == "" || heads[mr.GetIid()] == mr.GetHeadSha() {
				continue
			}
			if p == nil {
				if p, err = s.store.Projects().Get(ctx, pid); err != nil {
					return completed, err
				}
			}
			if err := s.completeDispatch(ctx, p, mr, heads[mr.GetIid()]); err != nil {
				return completed, fmt.Errorf("complete the dispatch of merge request %d!%d: %w", pid, mr.GetIid(), err)
			}
			completed++
		}
	}
	return completed, nil
}

// completeDispatch gives every applicable check of mr without a response at
// its head a pending response and a delivery, and records the head, in one
// write under the pairs' leases (so an answer that lands meanwhile stays).
func (s *Service) completeDispatch(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, lastHead string) error {
	checks, err := s.applicable(ctx, p.GetId(), mr.GetTargetBranch())
	if err != nil {
		return err
	}
	// Who pushed is not recorded; an opened merge request was its author's
	// doing.
	action, oldRev, actor := "update", lastHead, int64(0)
	if lastHead == "" {
		action, actor = "open", mr.GetAuthorId()
	}
	pid, iid, sha := p.GetId(), mr.GetIid(), mr.GetHeadSha()
	ids := make([]int64, len(checks))
	for i, c := range checks {
		ids[i] = c.Record.GetId()
	}
	written := 0
	err = s.holdPairs(ctx, pid, iid, ids, func() error {
		newest, err := s.store.Responses().Newest(ctx, pid, iid, sha, ids)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		w := store.Dispatch{ProjectID: pid, MergeRequestIID: iid, Head: sha}
		var outs []Outgoing
		for _, c := range checks {
			if newest[c.Record.GetId()] != nil {
				continue
			}
			deadline := now.Add(s.timeout(p, c.Record))
			outs = append(outs, Outgoing{Project: p, MergeRequest: mr, Check: c.Record, ActorID: actor, Action: action, OldRev: oldRev, Deadline: deadline})
			w.Responses = append(w.Responses, &storagev1.StatusCheckResponse{
				ProjectId: pid, MergeRequestIid: iid, CheckId: c.Record.GetId(), Sha: sha,
				Status:     int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING),
				CreateTime: timestamppb.New(now), Deadline: timestamppb.New(deadline),
			})
		}
		if len(outs) > 0 {
			if w.Deliveries, err = s.sender.Deliveries(ctx, outs); err != nil {
				return err
			}
		}
		written = len(outs)
		return s.store.Responses().Dispatch(ctx, w)
	})
	if err != nil {
		return err
	}
	if written == 0 {
		return nil // every check had a response: only the head was recorded
	}
	s.logger.InfoContext(ctx, "completed a dispatch cut short", "project_id", pid, "mr_iid", iid, "sha", sha,
		"action", action, "checks_asked", written)
	s.sender.Queued()
	s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: pid, MergeRequestIID: iid})
	return nil
}

// completeRetry is how long CompleteDispatchesAtStart waits after a failed
// pass.
const completeRetry = 5 * time.Second

// CompleteDispatchesAtStart runs CompleteDispatches once, as the server
// starts, trying again after a failure until a pass succeeds or ctx ends.
func (s *Service) CompleteDispatchesAtStart(ctx context.Context) {
	for {
		var n int
		err := loop.Guard(ctx, s.logger.With("work", "complete dispatches"), func() (err error) {
			n, err = s.CompleteDispatches(ctx)
			return err
		})
		if err == nil {
			if n > 0 {
				s.logger.InfoContext(ctx, "completed dispatches cut short", "merge_requests", n)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		s.logger.WarnContext(ctx, "complete dispatches cut short; will retry", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(completeRetry):
		}
	}
}
