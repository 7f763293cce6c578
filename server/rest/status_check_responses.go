package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// mergeRequestStatusCheck is GitLab's MergeRequests::StatusCheck entity.
type mergeRequestStatusCheck struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ExternalURL string `json:"external_url"`
	Status      string `json:"status"`
}

// mergeRequestStatusChecks is E5's answer, which writes its own JSON
// (jsonAppender).
type mergeRequestStatusChecks []mergeRequestStatusCheck

// statusCheckResponse is GitLab's StatusCheckResponse entity; it carries
// neither the status nor the sha, as GitLab's does not.
type statusCheckResponse struct {
	ID                  int64                `json:"id"`
	MergeRequest        *mergeRequest        `json:"merge_request"`
	ExternalStatusCheck *externalStatusCheck `json:"external_status_check"`
}

func statusName(s signalboxv1.StatusCheckStatus) string {
	// The statuses a check can have, without the enum's reflection and
	// lowercasing: E5 names one per check on every call.
	switch s {
	case signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING:
		return "pending"
	case signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED:
		return "passed"
	case signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED:
		return "failed"
	}
	return enumName(s.String(), "STATUS_CHECK_STATUS_")
}

// listMergeRequestStatusChecks is GitLab's E5, with its Poll-Interval
// header.
func (h *Handler) listMergeRequestStatusChecks(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	res, err := h.api.statusChecks.ListMergeRequestStatusChecks(c.ctx(), &signalboxv1.ListMergeRequestStatusChecksRequest{
		Project: c.r.PathValue("id"), MergeRequestIid: iid, Page: page, PerPage: perPage,
	})
	if err != nil {
		return err
	}
	out := make(mergeRequestStatusChecks, 0, len(res.GetStatusChecks()))
	for _, s := range res.GetStatusChecks() {
		out = append(out, mergeRequestStatusCheck{ID: s.GetId(), Name: s.GetName(), ExternalURL: s.GetExternalUrl(), Status: statusName(s.GetStatus())})
	}
	c.w.Header()["Poll-Interval"] = []string{"10000"}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, out)
}

// setStatusCheckResponse is GitLab's E6.
func (h *Handler) setStatusCheckResponse(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	req := &signalboxv1.SetStatusCheckResponseRequest{Project: c.r.PathValue("id"), MergeRequestIid: iid}
	if req.ExternalStatusCheckId, _, err = c.params.int64("external_status_check_id"); err != nil {
		return err
	}
	if req.Sha, err = c.params.optStr("sha"); err != nil {
		return err
	}
	if s, ok, err := c.params.str("status"); err != nil {
		return err
	} else if ok {
		st, found := parseEnum[signalboxv1.StatusCheckStatus](s, "STATUS_CHECK_STATUS_", signalboxv1.StatusCheckStatus_name)
		if !found {
			// An undefined value, so validation names the problem in
			// GitLab's words after the caller and project are checked.
			st = signalboxv1.StatusCheckStatus(-1)
		}
		req.Status = st
	}
	res, err := h.api.statusChecks.SetStatusCheckResponse(c.ctx(), req)
	if err != nil {
		return err
	}
	r := res.GetResponse()
	return c.ok(http.StatusCreated, statusCheckResponse{
		ID:                  r.GetId(),
		MergeRequest:        h.entity(r.GetMergeRequest()),
		ExternalStatusCheck: newExternalStatusCheck(r.GetExternalStatusCheck()),
	})
}

// retryStatusCheck is GitLab's E7: 202 with GitLab's "202 Accepted" body.
func (h *Handler) retryStatusCheck(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	checkID, err := pathInt64(c.r, "external_status_check_id")
	if err != nil {
		return err
	}
	if _, err := h.api.statusChecks.RetryStatusCheck(c.ctx(), &signalboxv1.RetryStatusCheckRequest{
		Project: c.r.PathValue("id"), MergeRequestIid: iid, ExternalStatusCheckId: checkID,
	}); err != nil {
		return err
	}
	return c.ok(http.StatusAccepted, message{"202 Accepted"})
}
