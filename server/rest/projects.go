package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func (h *Handler) getProject(c *call) error {
	res, err := h.api.projects.GetProject(c.ctx(), &signalboxv1.GetProjectRequest{Project: c.r.PathValue("id")})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newProject(res.GetProject()))
}

func (h *Handler) createProject(c *call) error {
	req := &signalboxv1.CreateProjectRequest{}
	var err error
	if req.Name, _, err = c.params.str("name"); err != nil {
		return err
	}
	if req.Path, _, err = c.params.str("path"); err != nil {
		return err
	}
	if req.NamespaceId, _, err = c.params.int64("namespace_id"); err != nil {
		return err
	}
	if req.Description, _, err = c.params.str("description"); err != nil {
		return err
	}
	if req.DefaultBranch, _, err = c.params.str("default_branch"); err != nil {
		return err
	}
	if v, err := c.visibility(); err != nil {
		return err
	} else if v != nil {
		req.Visibility = *v
	}
	if req.Settings, err = c.settingsPatch(); err != nil {
		return err
	}
	c.override = func(e apiError) (failure, bool) {
		if fields := e.problem.GetFields(); len(fields) > 0 {
			taken := map[string][]string{}
			for _, f := range fields {
				taken[f] = []string{"has already been taken"}
			}
			return failure{400, message{taken}}, true
		}
		return failure{}, false
	}
	res, err := h.api.projects.CreateProject(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newProject(res.GetProject()))
}

func (h *Handler) updateProject(c *call) error {
	req := &signalboxv1.UpdateProjectRequest{Project: c.r.PathValue("id")}
	var err error
	if req.Name, err = c.params.optStr("name"); err != nil {
		return err
	}
	if req.Description, err = c.params.optStr("description"); err != nil {
		return err
	}
	if req.DefaultBranch, err = c.params.optStr("default_branch"); err != nil {
		return err
	}
	if req.Visibility, err = c.visibility(); err != nil {
		return err
	}
	if req.Settings, err = c.settingsPatch(); err != nil {
		return err
	}
	c.override = func(e apiError) (failure, bool) {
		if len(e.problem.GetFields()) > 0 {
			return failure{400, message{map[string][]string{"name": {"has already been taken"}}}}, true
		}
		return failure{}, false
	}
	res, err := h.api.projects.UpdateProject(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newProject(res.GetProject()))
}

// visibility reads GitLab's visibility word.
func (c *call) visibility() (*signalboxv1.Visibility, error) {
	s, ok, err := c.params.str("visibility")
	if err != nil || !ok {
		return nil, err
	}
	v, found := parseEnum[signalboxv1.Visibility](s, "VISIBILITY_", signalboxv1.Visibility_name)
	if !found {
		return nil, &paramError{name: "visibility", reason: "does not have a valid value"}
	}
	return &v, nil
}

// settingsPatch reads the merge-gate settings GitLab takes on projects.
func (c *call) settingsPatch() (*signalboxv1.ProjectSettingsPatch, error) {
	patch := &signalboxv1.ProjectSettingsPatch{}
	var err error
	bools := []struct {
		name string
		dst  **bool
	}{
		{"only_allow_merge_if_all_status_checks_passed", &patch.OnlyAllowMergeIfAllStatusChecksPassed},
		{"only_allow_merge_if_pipeline_succeeds", &patch.OnlyAllowMergeIfPipelineSucceeds},
		{"merge_pipelines_enabled", &patch.MergePipelinesEnabled},
		{"merge_trains_enabled", &patch.MergeTrainsEnabled},
		{"merge_trains_skip_train_allowed", &patch.MergeTrainsSkipTrainAllowed},
		// A Signalbox extension (docs/gitlab-compatibility.md).
		{"status_checks_follow_merge_train", &patch.StatusChecksFollowMergeTrain},
	}
	for _, b := range bools {
		if *b.dst, err = c.params.optBool(b.name); err != nil {
			return nil, err
		}
	}
	if patch.MaxPipelinesPerMergeTrain, err = c.params.optInt32("max_pipelines_per_merge_train"); err != nil {
		return nil, err
	}
	if patch.StatusCheckTimeoutSeconds, err = c.params.optInt32("status_check_timeout_seconds"); err != nil {
		return nil, err
	}
	if s, ok, err := c.params.str("merge_method"); err != nil {
		return nil, err
	} else if ok {
		m, found := parseEnum[signalboxv1.MergeMethod](s, "MERGE_METHOD_", signalboxv1.MergeMethod_name)
		if !found {
			return nil, &paramError{name: "merge_method", reason: "does not have a valid value"}
		}
		patch.MergeMethod = &m
	}
	return patch, nil
}
