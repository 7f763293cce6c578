package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
)

// mergeRequestFor is v as the caller sees it: with user_can_merge, which
// only the caller's rights decide. A failure to read the branch protections
// leaves it false (a merge then says why) rather than failing the read.
func (h handlers) mergeRequestFor(ctx context.Context, sc *project.Scope, v *mergerequest.View) *signalboxv1.MergeRequest {
	out := h.urls.toMergeRequest(sc.Project, v)
	can, err := h.deps.MergeRequests.CanMerge(ctx, sc, v.MergeRequest)
	if err != nil {
		h.logger.WarnContext(ctx, "user_can_merge", "project_id", sc.Project.GetId(), "mr_iid", v.MergeRequest.GetIid(), "error", err)
	}
	out.UserCanMerge = can
	return out
}
