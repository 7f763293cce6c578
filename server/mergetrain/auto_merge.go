package mergetrain

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/store"
)

// autoMerge gives armed merge requests of a project (or just iid, when not
// zero) their chance to join their train: once the head pipeline and the
// status checks pass, GitLab's "add to merge train when checks pass". A
// merge request whose head moved since it was armed is disarmed, as GitLab
// aborts auto-merge on a push.
func (s *Service) autoMerge(ctx context.Context, projectID, iid int64) error {
	var mrs []*storagev1.MergeRequest
	if iid != 0 {
		mr, err := s.store.MergeRequests().Get(ctx, projectID, iid)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		mrs = append(mrs, mr)
	} else {
		all, err := s.store.MergeRequests().List(ctx, projectID)
		if err != nil {
			return err
		}
		mrs = all
	}
	var p *storagev1.Project
	for _, mr := range mrs {
		if mr.GetAutoMergeStrategy() != mergerequest.StrategyTrainWhenChecksPass {
			continue
		}
		if p == nil {
			var err error
			if p, err = s.store.Projects().Get(ctx, projectID); err != nil {
				return err
			}
		}
		if err := s.tryJoin(ctx, p, mr); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) tryJoin(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) error {
	opened := mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED)
	if !opened || mr.GetHeadSha() != mr.GetAutoMergeSha() || !p.GetSettings().GetMergeTrainsEnabled() {
		if err := s.mergeRequests.ClearAutoMerge(ctx, p, mr.GetIid()); err != nil {
			return err
		}
		s.note(ctx, p.GetId(), mr.GetIid(), mr.GetMergeUserId(), "aborted the automatic add to merge train because the merge request changed")
		return nil
	}
	ready, err := s.joinableNow(ctx, p, mr)
	if err != nil || !ready {
		return err
	}
	head, err := s.pipelines.Newest(ctx, p.GetId(), mr.GetHeadSha(), "")
	if err != nil || head == nil || head.GetStatus() != int32(signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS) {
		return err // armed merge requests wait for a successful pipeline
	}
	if p.GetSettings().GetOnlyAllowMergeIfAllStatusChecksPassed() {
		passed, _, err := s.checks.Outcome(ctx, p, mr)
		if err != nil || !passed {
			return err
		}
	}
	err = s.join(ctx, p, mr, mergerequest.StrategyTrainWhenChecksPass, mr.GetMergeUserId(), mr.GetSquash())
	if errors.Is(err, ErrAlreadyAutoMerge) {
		return nil // another replica got there first
	}
	return err
}
