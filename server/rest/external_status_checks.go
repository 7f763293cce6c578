package rest

import (
	"net/http"

	"connectrpc.com/connect/v2"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h *Handler) listStatusChecks(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	// GitLab answers a role that may not list checks with 401, not 403.
	c.override = deniedAs(failure{401, message{"401 Unauthorized"}})
	res, err := h.api.statusChecks.ListStatusChecks(c.ctx(), &signalboxv1.ListStatusChecksRequest{
		Project: c.r.PathValue("id"), Page: page, PerPage: perPage,
	})
	if err != nil {
		return err
	}
	out := make([]*externalStatusCheck, 0, len(res.GetChecks()))
	for _, sc := range res.GetChecks() {
		out = append(out, newExternalStatusCheck(sc))
	}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, out)
}

func (h *Handler) createStatusCheck(c *call) error {
	req := &signalboxv1.CreateStatusCheckRequest{Project: c.r.PathValue("id")}
	var err error
	if req.Name, err = c.params.optStr("name"); err != nil {
		return err
	}
	if req.ExternalUrl, err = c.params.optStr("external_url"); err != nil {
		return err
	}
	if req.SharedSecret, err = c.params.optStr("shared_secret"); err != nil {
		return err
	}
	if req.ProtectedBranchIds, _, err = c.params.int64s("protected_branch_ids"); err != nil {
		return err
	}
	if t, err := c.params.optInt32("timeout_seconds"); err != nil {
		return err
	} else if t != nil {
		req.TimeoutSeconds = *t
	}
	res, err := h.api.statusChecks.CreateStatusCheck(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newExternalStatusCheck(res.GetCheck()))
}

func (h *Handler) updateStatusCheck(c *call) error {
	id, err := pathInt64(c.r, "check_id")
	if err != nil {
		return err
	}
	req := &signalboxv1.UpdateStatusCheckRequest{Project: c.r.PathValue("id"), CheckId: id}
	if req.Name, err = c.params.optStr("name"); err != nil {
		return err
	}
	if req.ExternalUrl, err = c.params.optStr("external_url"); err != nil {
		return err
	}
	if req.SharedSecret, err = c.params.optStr("shared_secret"); err != nil {
		return err
	}
	if ids, ok, err := c.params.int64s("protected_branch_ids"); err != nil {
		return err
	} else if ok {
		req.ProtectedBranchIds = &signalboxv1.ProtectedBranchIds{Ids: ids}
	}
	if req.TimeoutSeconds, err = c.params.optInt32("timeout_seconds"); err != nil {
		return err
	}
	// GitLab answers a role that may not update checks with this 401.
	c.override = deniedAs(failure{401, message{[]string{"Not allowed"}}})
	res, err := h.api.statusChecks.UpdateStatusCheck(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newExternalStatusCheck(res.GetCheck()))
}

// deleteStatusCheck answers 204. A role that may not delete gets 403 where
// GitLab answers 204 and deletes nothing (docs/gitlab-compatibility.md).
func (h *Handler) deleteStatusCheck(c *call) error {
	id, err := pathInt64(c.r, "check_id")
	if err != nil {
		return err
	}
	if _, err := h.api.statusChecks.DeleteStatusCheck(c.ctx(), &signalboxv1.DeleteStatusCheckRequest{
		Project: c.r.PathValue("id"), CheckId: id,
	}); err != nil {
		return err
	}
	return c.noContent()
}

// deniedAs overrides the answer to a caller whose role is too low.
func deniedAs(f failure) func(apiError) (failure, bool) {
	return func(e apiError) (failure, bool) {
		if e.code == connect.CodePermissionDenied && e.problem.GetReason() == signalboxv1.Reason_REASON_PERMISSION_DENIED {
			return f, true
		}
		return failure{}, false
	}
}
