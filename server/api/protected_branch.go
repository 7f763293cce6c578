package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/project"
)

type protectedBranchHandler struct{ handlers }

func (h protectedBranchHandler) ProtectBranch(ctx context.Context, req *signalboxv1.ProtectBranchRequest) (*signalboxv1.ProtectBranchResponse, error) {
	pb, err := h.deps.Projects.ProtectBranch(ctx, scopeFrom(ctx), project.ProtectParams{
		Name:                      req.GetName(),
		PushAccessLevel:           req.PushAccessLevel,
		MergeAccessLevel:          req.MergeAccessLevel,
		UnprotectAccessLevel:      req.UnprotectAccessLevel,
		AllowForcePush:            req.GetAllowForcePush(),
		CodeOwnerApprovalRequired: req.GetCodeOwnerApprovalRequired(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.ProtectBranchResponse{ProtectedBranch: toProtectedBranch(pb)}, nil
}

func (h protectedBranchHandler) GetProtectedBranch(ctx context.Context, req *signalboxv1.GetProtectedBranchRequest) (*signalboxv1.GetProtectedBranchResponse, error) {
	pb, err := h.deps.Projects.ProtectedBranch(ctx, scopeFrom(ctx), req.GetName())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetProtectedBranchResponse{ProtectedBranch: toProtectedBranch(pb)}, nil
}

func (h protectedBranchHandler) ListProtectedBranches(ctx context.Context, req *signalboxv1.ListProtectedBranchesRequest) (*signalboxv1.ListProtectedBranchesResponse, error) {
	all, err := h.deps.Projects.ProtectedBranches(ctx, scopeFrom(ctx), req.GetSearch())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListProtectedBranchesResponse{TotalSize: int64(len(all))}
	for _, pb := range page(all, req.GetPage(), req.GetPerPage()) {
		out.ProtectedBranches = append(out.ProtectedBranches, toProtectedBranch(pb))
	}
	return out, nil
}

func (h protectedBranchHandler) UnprotectBranch(ctx context.Context, req *signalboxv1.UnprotectBranchRequest) (*signalboxv1.UnprotectBranchResponse, error) {
	if err := h.deps.Projects.UnprotectBranch(ctx, scopeFrom(ctx), req.GetName()); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UnprotectBranchResponse{}, nil
}
