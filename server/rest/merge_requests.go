package rest

import (
	"net/http"
	"strconv"
	"strings"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// projectPathOf reads namespace/path back from a merge request's web URL.
func (h *Handler) projectPathOf(mr *signalboxv1.MergeRequest) string {
	path := strings.TrimPrefix(mr.GetWebUrl(), h.externalURL+"/")
	return strings.TrimSuffix(path, "/-/merge_requests/"+strconv.FormatInt(mr.GetIid(), 10))
}

func (h *Handler) entity(mr *signalboxv1.MergeRequest) *mergeRequest {
	return newMergeRequest(mr, h.projectPathOf(mr), h.externalURL)
}

func (h *Handler) listMergeRequests(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	req := &signalboxv1.ListMergeRequestsRequest{Project: c.r.PathValue("id"), Page: page, PerPage: perPage}
	if s, ok, err := c.params.str("state"); err != nil {
		return err
	} else if ok && s != "all" {
		st, found := parseEnum[signalboxv1.MergeRequestState](s, "MERGE_REQUEST_STATE_", signalboxv1.MergeRequestState_name)
		if !found {
			return &paramError{name: "state", reason: "does not have a valid value"}
		}
		req.State = st
	}
	if req.SourceBranch, _, err = c.params.str("source_branch"); err != nil {
		return err
	}
	if req.TargetBranch, _, err = c.params.str("target_branch"); err != nil {
		return err
	}
	res, err := h.api.mergeRequests.ListMergeRequests(c.ctx(), req)
	if err != nil {
		return err
	}
	out := make([]mergeRequestBasic, 0, len(res.GetMergeRequests()))
	for _, mr := range res.GetMergeRequests() {
		out = append(out, newMergeRequestBasic(mr, h.projectPathOf(mr)))
	}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, out)
}

func (h *Handler) createMergeRequest(c *call) error {
	req := &signalboxv1.CreateMergeRequestRequest{Project: c.r.PathValue("id")}
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"source_branch", &req.SourceBranch}, {"target_branch", &req.TargetBranch}, {"title", &req.Title}, {"description", &req.Description}} {
		if *f.dst, _, err = c.params.str(f.name); err != nil {
			return err
		}
	}
	res, err := h.api.mergeRequests.CreateMergeRequest(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, h.entity(res.GetMergeRequest()))
}

func (h *Handler) getMergeRequest(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	res, err := h.api.mergeRequests.GetMergeRequest(c.ctx(), &signalboxv1.GetMergeRequestRequest{Project: c.r.PathValue("id"), MergeRequestIid: iid})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, h.entity(res.GetMergeRequest()))
}

func (h *Handler) updateMergeRequest(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	req := &signalboxv1.UpdateMergeRequestRequest{Project: c.r.PathValue("id"), MergeRequestIid: iid}
	if req.Title, err = c.params.optStr("title"); err != nil {
		return err
	}
	if req.Description, err = c.params.optStr("description"); err != nil {
		return err
	}
	if req.TargetBranch, err = c.params.optStr("target_branch"); err != nil {
		return err
	}
	event, hasEvent, err := c.params.str("state_event")
	if err != nil {
		return err
	}
	switch {
	case !hasEvent:
	case event == "close":
		req.StateEvent = signalboxv1.StateEvent_STATE_EVENT_CLOSE
	case event == "reopen":
		req.StateEvent = signalboxv1.StateEvent_STATE_EVENT_REOPEN
	default:
		return &paramError{name: "state_event", reason: "does not have a valid value"}
	}
	if req.Title == nil && req.Description == nil && req.TargetBranch == nil && !hasEvent {
		c.refuse(failure{400, errorBody{"title, description, target_branch, state_event are missing, at least one parameter must be provided"}})
		return nil
	}
	res, err := h.api.mergeRequests.UpdateMergeRequest(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, h.entity(res.GetMergeRequest()))
}

func (h *Handler) mergeMergeRequest(c *call) error {
	iid, err := pathInt64(c.r, "merge_request_iid")
	if err != nil {
		return err
	}
	req := &signalboxv1.MergeMergeRequestRequest{Project: c.r.PathValue("id"), MergeRequestIid: iid}
	if req.Sha, err = c.params.optStr("sha"); err != nil {
		return err
	}
	if req.Squash, err = c.params.optBool("squash"); err != nil {
		return err
	}
	if req.MergeCommitMessage, err = c.params.optStr("merge_commit_message"); err != nil {
		return err
	}
	if req.SquashCommitMessage, err = c.params.optStr("squash_commit_message"); err != nil {
		return err
	}
	autoMerge, _, err := c.params.bool("auto_merge")
	if err != nil {
		return err
	}
	whenPipelineSucceeds, _, err := c.params.bool("merge_when_pipeline_succeeds")
	if err != nil {
		return err
	}
	req.AutoMerge = autoMerge || whenPipelineSucceeds
	res, err := h.api.mergeRequests.MergeMergeRequest(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, h.entity(res.GetMergeRequest()))
}
