package mergerequest

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/project"
)

// CanMerge is GitLab's user.can_merge: whether the caller may merge into
// the merge request's target branch (developers into unprotected branches;
// a protected branch's merge access level otherwise). It says nothing of
// whether the merge request is mergeable now: detailed_merge_status does.
// An anonymous caller can merge nothing.
func (s *Service) CanMerge(ctx context.Context, sc *project.Scope, mr *storagev1.MergeRequest) (bool, error) {
	if sc.Caller == nil {
		return false, nil
	}
	err := s.requireMergeAccess(ctx, sc, mr.GetTargetBranch())
	switch err {
	case nil:
		return true, nil
	case ErrCannotMerge:
		return false, nil
	}
	return false, err
}
