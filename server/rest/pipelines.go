package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h *Handler) getPipeline(c *call) error {
	id, err := pathInt64(c.r, "pipeline_id")
	if err != nil {
		return err
	}
	res, err := h.api.pipelines.GetPipeline(c.ctx(), &signalboxv1.GetPipelineRequest{Project: c.r.PathValue("id"), PipelineId: id})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newPipeline(res.GetPipeline(), h.externalURL))
}

// commitStates are the states CI may report (GitLab's POST statuses/:sha).
var commitStates = map[string]signalboxv1.PipelineStatus{
	"pending":  signalboxv1.PipelineStatus_PIPELINE_STATUS_PENDING,
	"running":  signalboxv1.PipelineStatus_PIPELINE_STATUS_RUNNING,
	"success":  signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS,
	"failed":   signalboxv1.PipelineStatus_PIPELINE_STATUS_FAILED,
	"canceled": signalboxv1.PipelineStatus_PIPELINE_STATUS_CANCELED,
}

func (h *Handler) setCommitStatus(c *call) error {
	req := &signalboxv1.SetCommitStatusRequest{Project: c.r.PathValue("id"), Sha: c.r.PathValue("sha")}
	state, ok, err := c.params.str("state")
	if err != nil {
		return err
	}
	if req.State, ok = commitStates[state]; !ok {
		// Grape names both problems of a missing or unknown value.
		reason := "does not have a valid value"
		if state == "" {
			reason = "is missing, state does not have a valid value"
		}
		return &paramError{name: "state", reason: reason}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"ref", &req.Ref}, {"name", &req.Name}, {"target_url", &req.TargetUrl}, {"description", &req.Description}} {
		if *f.dst, _, err = c.params.str(f.name); err != nil {
			return err
		}
	}
	if req.Name == "" {
		// context is the older name of the parameter.
		if req.Name, _, err = c.params.str("context"); err != nil {
			return err
		}
	}
	if req.PipelineId, _, err = c.params.int64("pipeline_id"); err != nil {
		return err
	}
	res, err := h.api.pipelines.SetCommitStatus(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newCommitStatus(res.GetStatus()))
}

func (h *Handler) listCommitStatuses(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	req := &signalboxv1.ListCommitStatusesRequest{Project: c.r.PathValue("id"), Sha: c.r.PathValue("sha"), Page: page, PerPage: perPage}
	if req.Ref, _, err = c.params.str("ref"); err != nil {
		return err
	}
	if req.Name, _, err = c.params.str("name"); err != nil {
		return err
	}
	res, err := h.api.pipelines.ListCommitStatuses(c.ctx(), req)
	if err != nil {
		return err
	}
	out := make([]commitStatus, 0, len(res.GetStatuses()))
	for _, s := range res.GetStatuses() {
		out = append(out, newCommitStatus(s))
	}
	c.paginate(page, perPage, res.GetTotalSize())
	return c.ok(http.StatusOK, out)
}
