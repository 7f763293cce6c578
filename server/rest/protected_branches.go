package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h *Handler) listProtectedBranches(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	search, _, err := c.params.str("search")
	if err != nil {
		return err
	}
	res, err := h.api.protectedBranches.ListProtectedBranches(c.ctx(), &signalboxv1.ListProtectedBranchesRequest{
		Project: c.r.PathValue("id"), Page: page, PerPage: perPage, Search: search,
	})
	if err != nil {
		return err
	}
	out := make([]protectedBranch, 0, len(res.GetProtectedBranches()))
	for _, pb := range res.GetProtectedBranches() {
		out = append(out, newProtectedBranch(pb))
	}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, out)
}

func (h *Handler) getProtectedBranch(c *call) error {
	res, err := h.api.protectedBranches.GetProtectedBranch(c.ctx(), &signalboxv1.GetProtectedBranchRequest{
		Project: c.r.PathValue("id"), Name: c.r.PathValue("name"),
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newProtectedBranch(res.GetProtectedBranch()))
}

func (h *Handler) protectBranch(c *call) error {
	req := &signalboxv1.ProtectBranchRequest{Project: c.r.PathValue("id")}
	var err error
	if req.Name, _, err = c.params.str("name"); err != nil {
		return err
	}
	if req.PushAccessLevel, err = c.params.optInt32("push_access_level"); err != nil {
		return err
	}
	if req.MergeAccessLevel, err = c.params.optInt32("merge_access_level"); err != nil {
		return err
	}
	if req.UnprotectAccessLevel, err = c.params.optInt32("unprotect_access_level"); err != nil {
		return err
	}
	if req.AllowForcePush, _, err = c.params.bool("allow_force_push"); err != nil {
		return err
	}
	if req.CodeOwnerApprovalRequired, _, err = c.params.bool("code_owner_approval_required"); err != nil {
		return err
	}
	c.override = func(e apiError) (failure, bool) {
		if e.problem.GetReason() == signalboxv1.Reason_REASON_BRANCH_ALREADY_PROTECTED {
			return failure{409, message{"Protected branch '" + req.Name + "' already exists"}}, true
		}
		return failure{}, false
	}
	res, err := h.api.protectedBranches.ProtectBranch(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newProtectedBranch(res.GetProtectedBranch()))
}

func (h *Handler) unprotectBranch(c *call) error {
	if _, err := h.api.protectedBranches.UnprotectBranch(c.ctx(), &signalboxv1.UnprotectBranchRequest{
		Project: c.r.PathValue("id"), Name: c.r.PathValue("name"),
	}); err != nil {
		return err
	}
	return c.noContent()
}
