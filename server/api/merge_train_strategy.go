package api

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/mergetrain"
)

func (h mergeTrainHandler) GetMergeTrainStrategies(ctx context.Context, _ *signalboxv1.GetMergeTrainStrategiesRequest) (*signalboxv1.GetMergeTrainStrategiesResponse, error) {
	sc := scopeFrom(ctx)
	if err := sc.Require(auth.Reporter); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetMergeTrainStrategiesResponse{Strategies: toStrategies(sc.Project)}, nil
}

func (h mergeTrainHandler) SetMergeTrainStrategy(ctx context.Context, req *signalboxv1.SetMergeTrainStrategyRequest) (*signalboxv1.SetMergeTrainStrategyResponse, error) {
	kind, _ := mergetrain.ParseStrategyName(req.GetStrategy()) // validated: gitlab or batched
	p, err := h.deps.Projects.SetMergeTrainStrategy(ctx, scopeFrom(ctx), &storagev1.MergeTrainStrategy{
		Branch: req.GetBranch(), Strategy: kind, FlakeRetries: req.GetFlakeRetries(), Optimistic: req.GetOptimistic(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.SetMergeTrainStrategyResponse{Strategies: toStrategies(p)}, nil
}

func (h mergeTrainHandler) DeleteMergeTrainBranchStrategy(ctx context.Context, req *signalboxv1.DeleteMergeTrainBranchStrategyRequest) (*signalboxv1.DeleteMergeTrainBranchStrategyResponse, error) {
	p, err := h.deps.Projects.DeleteMergeTrainBranchStrategy(ctx, scopeFrom(ctx), req.GetBranch())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.DeleteMergeTrainBranchStrategyResponse{Strategies: toStrategies(p)}, nil
}

func toStrategies(p *storagev1.Project) *signalboxv1.MergeTrainStrategies {
	set := p.GetSettings()
	out := &signalboxv1.MergeTrainStrategies{DefaultStrategy: toStrategy(set.GetMergeTrainStrategy())}
	for _, st := range set.GetMergeTrainBranchStrategies() {
		out.Branches = append(out.Branches, toStrategy(st))
	}
	return out
}

func toStrategy(st *storagev1.MergeTrainStrategy) *signalboxv1.MergeTrainStrategy {
	return &signalboxv1.MergeTrainStrategy{
		Branch: st.GetBranch(), Strategy: mergetrain.StrategyName(st.GetStrategy()),
		FlakeRetries: st.GetFlakeRetries(), Optimistic: st.GetOptimistic(),
	}
}
