package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// approve is GitLab's POST .../merge_requests/:iid/approve: 201 with the
// approvals, 401 for a user who already approved, 409 for a sha that is
// not the head.
func (h *Handler) approve(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	req := &signalboxv1.ApproveMergeRequestRequest{Project: c.r.PathValue("id"), MergeRequestIid: iid}
	if req.Sha, err = c.params.optStr("sha"); err != nil {
		return err
	}
	res, err := h.api.mergeRequests.ApproveMergeRequest(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newApprovalState(res.GetApprovals()))
}

// unapprove is GitLab's POST .../merge_requests/:iid/unapprove: 201 with
// the approvals, 404 for a user who has not approved.
func (h *Handler) unapprove(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	res, err := h.api.mergeRequests.UnapproveMergeRequest(c.ctx(), &signalboxv1.UnapproveMergeRequestRequest{
		Project: c.r.PathValue("id"), MergeRequestIid: iid,
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newApprovalState(res.GetApprovals()))
}

// approvals is GitLab's GET .../merge_requests/:iid/approvals.
func (h *Handler) approvals(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	res, err := h.api.mergeRequests.GetMergeRequestApprovals(c.ctx(), &signalboxv1.GetMergeRequestApprovalsRequest{
		Project: c.r.PathValue("id"), MergeRequestIid: iid,
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newApprovalState(res.GetApprovals()))
}
