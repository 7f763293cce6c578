package mergerequest

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/repository"
)

// Status is GitLab's detailed_merge_status: "mergeable", or the first thing
// that blocks the merge.
type Status string

// The statuses Signalbox reports, in the order they are checked.
const (
	StatusNotOpen              Status = "not_open"
	StatusDraft                Status = "draft_status"
	StatusBroken               Status = "broken_status"
	StatusConflict             Status = "conflict"
	StatusNeedRebase           Status = "need_rebase"
	StatusCIMustPass           Status = "ci_must_pass"
	StatusCIStillRunning       Status = "ci_still_running"
	StatusStatusChecksMustPass Status = "status_checks_must_pass"
	StatusMergeable            Status = "mergeable"
)

// Mergeability is a merge request's detailed merge status and whether its
// branches conflict.
type Mergeability struct {
	Status       Status
	HasConflicts bool
}

// mergeability works out whether mr may merge now. Status checks block only
// when the project requires them, and then pending and failed both block;
// the head pipeline likewise.
func (s *Service) mergeability(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) (Mergeability, error) {
	return s.Mergeable(ctx, p, mr, false)
}

// Mergeable is mergeability with the CI check skipped when skipCI is set:
// a merge train tests the merged result itself.
func (s *Service) Mergeable(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, skipCI bool) (Mergeability, error) {
	if mr.GetState() != int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED) {
		return Mergeability{Status: StatusNotOpen}, nil
	}
	if mr.GetDraft() {
		return Mergeability{Status: StatusDraft}, nil
	}
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return Mergeability{}, err
	}
	// Two refs rather than every branch: this runs on every view of a merge
	// request, status check answers included, and a project may have many
	// branches.
	source, err := repo.Ref(ctx, repository.BranchRef(mr.GetSourceBranch()))
	if err != nil {
		return Mergeability{}, err
	}
	target, err := repo.Ref(ctx, repository.BranchRef(mr.GetTargetBranch()))
	if err != nil {
		return Mergeability{}, err
	}
	if source == "" || target == "" || mr.GetSourceMissing() {
		return Mergeability{Status: StatusBroken}, nil
	}
	conflicts, err := repo.Conflicts(ctx, target, source)
	if err != nil {
		return Mergeability{}, err
	}
	if len(conflicts) > 0 {
		return Mergeability{Status: StatusConflict, HasConflicts: true}, nil
	}
	method := signalboxv1.MergeMethod(p.GetSettings().GetMergeMethod())
	if method == signalboxv1.MergeMethod_MERGE_METHOD_FF || method == signalboxv1.MergeMethod_MERGE_METHOD_REBASE_MERGE {
		rebased, err := repo.IsAncestor(ctx, target, source)
		if err != nil {
			return Mergeability{}, err
		}
		if !rebased {
			return Mergeability{Status: StatusNeedRebase}, nil
		}
	}
	if !skipCI && p.GetSettings().GetOnlyAllowMergeIfPipelineSucceeds() {
		pl, err := s.pipelines.Newest(ctx, p.GetId(), mr.GetHeadSha(), "")
		if err != nil {
			return Mergeability{}, err
		}
		switch {
		case pl == nil:
			return Mergeability{Status: StatusCIMustPass}, nil
		case pl.GetStatus() == int32(signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS):
		case pl.GetStatus() == int32(signalboxv1.PipelineStatus_PIPELINE_STATUS_FAILED),
			pl.GetStatus() == int32(signalboxv1.PipelineStatus_PIPELINE_STATUS_CANCELED):
			return Mergeability{Status: StatusCIMustPass}, nil
		default:
			return Mergeability{Status: StatusCIStillRunning}, nil
		}
	}
	if p.GetSettings().GetOnlyAllowMergeIfAllStatusChecksPassed() {
		passed, err := s.checks.AllPassed(ctx, p, mr)
		if err != nil {
			return Mergeability{}, err
		}
		if !passed {
			return Mergeability{Status: StatusStatusChecksMustPass}, nil
		}
	}
	return Mergeability{Status: StatusMergeable}, nil
}
