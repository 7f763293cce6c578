package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// The merge train strategy settings, a Signalbox extension of GitLab's API
// (docs/gitlab-compatibility.md): GET, PUT and DELETE
// /projects/:id/merge_train_strategies.

// mergeTrainStrategy is one strategy as the REST door shows it.
type mergeTrainStrategy struct {
	Branch       string `json:"branch,omitempty"`
	Strategy     string `json:"strategy"`
	FlakeRetries int32  `json:"flake_retries"`
	Optimistic   bool   `json:"optimistic"`
}

// mergeTrainStrategies is the project's default with its branch overrides.
type mergeTrainStrategies struct {
	mergeTrainStrategy
	Branches []mergeTrainStrategy `json:"branches"`
}

func newMergeTrainStrategies(s *signalboxv1.MergeTrainStrategies) mergeTrainStrategies {
	one := func(st *signalboxv1.MergeTrainStrategy) mergeTrainStrategy {
		return mergeTrainStrategy{Branch: st.GetBranch(), Strategy: st.GetStrategy(), FlakeRetries: st.GetFlakeRetries(), Optimistic: st.GetOptimistic()}
	}
	out := mergeTrainStrategies{mergeTrainStrategy: one(s.GetDefaultStrategy()), Branches: []mergeTrainStrategy{}}
	for _, b := range s.GetBranches() {
		out.Branches = append(out.Branches, one(b))
	}
	return out
}

func (h *Handler) getMergeTrainStrategies(c *call) error {
	res, err := h.api.mergeTrains.GetMergeTrainStrategies(c.ctx(), &signalboxv1.GetMergeTrainStrategiesRequest{Project: c.r.PathValue("id")})
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newMergeTrainStrategies(res.GetStrategies()))
}

func (h *Handler) setMergeTrainStrategy(c *call) error {
	req := &signalboxv1.SetMergeTrainStrategyRequest{Project: c.r.PathValue("id")}
	var (
		ok  bool
		err error
	)
	if req.Strategy, ok, err = c.params.str("strategy"); err != nil {
		return err
	}
	if !ok {
		return &paramError{name: "strategy", reason: "is missing"}
	}
	if req.Branch, _, err = c.params.str("branch"); err != nil {
		return err
	}
	n, err := c.params.optInt32("flake_retries")
	if err != nil {
		return err
	}
	req.FlakeRetries = ptrOr(n, 0)
	if req.Optimistic, _, err = c.params.bool("optimistic"); err != nil {
		return err
	}
	res, err := h.api.mergeTrains.SetMergeTrainStrategy(c.ctx(), req)
	if err != nil {
		return err
	}
	return c.ok(http.StatusOK, newMergeTrainStrategies(res.GetStrategies()))
}

func (h *Handler) deleteMergeTrainBranchStrategy(c *call) error {
	branch, ok, err := c.params.str("branch")
	if err != nil {
		return err
	}
	if !ok || branch == "" {
		return &paramError{name: "branch", reason: "is missing"}
	}
	if _, err := h.api.mergeTrains.DeleteMergeTrainBranchStrategy(c.ctx(), &signalboxv1.DeleteMergeTrainBranchStrategyRequest{
		Project: c.r.PathValue("id"), Branch: branch,
	}); err != nil {
		return err
	}
	return c.noContent()
}

func ptrOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
