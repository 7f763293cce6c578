package statuscheck

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/project"
)

// Answer is a recorded response with what GitLab returns alongside it.
type Answer struct {
	Response     *storagev1.StatusCheckResponse
	MergeRequest *storagev1.MergeRequest
	Check        *Check
}

// Respond records an external service's answer for a merge request head
// (GitLab's E6), in GitLab's order: the merge request, the caller's right to
// approve it, the check, the sha, the caller's right to answer. A new answer
// always becomes the newest; an explicit pending one gets a deadline.
// Answers, retries and dispatches of one (merge request, check) pair take
// turns (see holdPairs), so the last one acknowledged is what stays.
func (s *Service) Respond(ctx context.Context, sc *project.Scope, iid, checkID int64, sha string, status signalboxv1.StatusCheckStatus) (*Answer, error) {
	mr, err := s.mergeRequest(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	if err := sc.Require(auth.Reporter); err != nil {
		return nil, err
	}
	rec, err := s.get(ctx, sc.Project.GetId(), checkID)
	if err != nil {
		return nil, err
	}
	car := sha != mr.GetHeadSha()
	if car {
		// A merge train car's commit, when the project asks checks about them.
		if r, err := s.carResponse(ctx, sc.Project, iid, checkID, sha); err != nil || r == nil {
			if err != nil {
				return nil, err
			}
			return nil, &ShaMismatchError{Head: mr.GetHeadSha()}
		}
	}
	if sc.Level < auth.Developer {
		return nil, ErrCannotRespond
	}
	now := s.clock.Now()
	r := &storagev1.StatusCheckResponse{
		ProjectId:       sc.Project.GetId(),
		MergeRequestIid: iid,
		CheckId:         checkID,
		Sha:             sha,
		Status:          int32(status),
		CreateTime:      timestamppb.New(now),
	}
	if status == signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING {
		r.Deadline = timestamppb.New(now.Add(s.timeout(sc.Project, rec)))
	}
	// A car's answer is admitted under the pair's lease, so that the car
	// cannot move on between the check and the write.
	if err := s.record(ctx, r, func() error {
		if car {
			return s.answersCar(ctx, sc.Project, mr, r)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	s.logger.InfoContext(ctx, "status check response", "project_id", sc.Project.GetId(), "mr_iid", iid,
		"check_id", checkID, "sha", sha, "status", status.String())
	s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: sc.Project.GetId(), MergeRequestIID: iid})
	checks, err := s.withBranches(ctx, sc.Project.GetId(), rec)
	if err != nil {
		return nil, err
	}
	return &Answer{Response: r, MergeRequest: mr, Check: checks[0]}, nil
}

// record stores r as the newest answer of its pair, under the pair's lease,
// so that no retry's read and write straddle it. Its id is drawn in the
// round trip that first tries the lease, and the lease is given back in
// the write's.
func (s *Service) record(ctx context.Context, r *storagev1.StatusCheckResponse, admit func() error) error {
	var id int64
	return s.holdPairsFirst(ctx, r.GetProjectId(), r.GetMergeRequestIid(), []int64{r.GetCheckId()},
		func(name, holder string) (bool, error) {
			var taken bool
			var err error
			id, taken, err = s.store.Responses().NextIDLeased(ctx, name, holder, pairLeaseTTL)
			return taken, err
		},
		func(h pairHold) (bool, error) {
			if err := admit(); err != nil {
				return false, err
			}
			if err := h.fenced(); err != nil {
				return false, err
			}
			r.Id = id
			// The lease goes back with the write. On an error the write and
			// the release may or may not have landed; the release is then
			// made again the ordinary way, which checks the holder.
			if err := s.store.Responses().ReplaceReleasing(ctx, r, h.last); err != nil {
				return false, err
			}
			return true, nil
		})
}
