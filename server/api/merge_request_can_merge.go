package api

import (
	"context"
	"errors"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
)

// withUserCanMerge fills MergeRequest.user_can_merge (GitLab's
// user.can_merge): whether the caller may merge into the target branch, by
// the protected branches' rules, whatever the merge request's own state
// (detailed_merge_status says that). The pages offer the merge actions on
// it. It is the one place the API computes it, so a fuller computation can
// replace this body alone.
func (h handlers) withUserCanMerge(ctx context.Context, sc *project.Scope, mr *signalboxv1.MergeRequest) (*signalboxv1.MergeRequest, error) {
	if mr == nil || sc.Caller == nil {
		return mr, nil
	}
	err := h.deps.MergeRequests.RequireMergeAccess(ctx, sc, mr.GetTargetBranch())
	switch {
	case err == nil:
		mr.UserCanMerge = true
	case !errors.Is(err, mergerequest.ErrCannotMerge):
		return nil, err
	}
	return mr, nil
}
