package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h *Handler) createHook(c *call) error {
	req := &signalboxv1.CreateProjectHookRequest{Project: c.r.PathValue("id"), EnableSslVerification: true}
	var err error
	if req.Url, _, err = c.params.str("url"); err != nil {
		return err
	}
	if req.Token, _, err = c.params.str("token"); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{
		{"pipeline_events", &req.PipelineEvents}, {"merge_requests_events", &req.MergeRequestsEvents},
		{"push_events", &req.PushEvents}, {"enable_ssl_verification", &req.EnableSslVerification},
	} {
		v, ok, err := c.params.bool(f.name)
		if err != nil {
			return err
		}
		if ok {
			*f.dst = v
		}
	}
	res, err := h.api.pipelines.CreateProjectHook(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newProjectHook(res.GetHook()))
}

func (h *Handler) listHooks(c *call) error {
	page, perPage, err := c.params.pageParams()
	if err != nil {
		return err
	}
	res, err := h.api.pipelines.ListProjectHooks(c.ctx(), &signalboxv1.ListProjectHooksRequest{Project: c.r.PathValue("id")})
	if err != nil {
		return err
	}
	out := make([]projectHook, 0, len(res.GetHooks()))
	for _, hook := range pageOf(res.GetHooks(), page, perPage) {
		out = append(out, newProjectHook(hook))
	}
	c.paginate(page, perPage, int64(len(res.GetHooks())))
	return c.ok(http.StatusOK, out)
}

func (h *Handler) deleteHook(c *call) error {
	id, err := pathInt64(c.r, "hook_id")
	if err != nil {
		return err
	}
	if _, err := h.api.pipelines.DeleteProjectHook(c.ctx(), &signalboxv1.DeleteProjectHookRequest{Project: c.r.PathValue("id"), HookId: id}); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) getHook(c *call) error {
	id, err := pathInt64(c.r, "hook_id")
	if err != nil {
		return err
	}
	res, err := h.api.pipelines.GetProjectHook(c.ctx(), &signalboxv1.GetProjectHookRequest{Project: c.r.PathValue("id"), HookId: id})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newProjectHook(res.GetHook()))
}

// updateHook is GitLab's PUT /projects/:id/hooks/:hook_id: url is
// required, the rest changes when present.
func (h *Handler) updateHook(c *call) error {
	id, err := pathInt64(c.r, "hook_id")
	if err != nil {
		return err
	}
	req := &signalboxv1.UpdateProjectHookRequest{Project: c.r.PathValue("id"), HookId: id}
	if req.Url, _, err = c.params.str("url"); err != nil {
		return err
	}
	if req.Token, err = c.params.optStr("token"); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  **bool
	}{
		{"pipeline_events", &req.PipelineEvents}, {"merge_requests_events", &req.MergeRequestsEvents},
		{"push_events", &req.PushEvents}, {"enable_ssl_verification", &req.EnableSslVerification},
	} {
		if *f.dst, err = c.params.optBool(f.name); err != nil {
			return err
		}
	}
	res, err := h.api.pipelines.UpdateProjectHook(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newProjectHook(res.GetHook()))
}
