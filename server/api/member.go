package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
)

type memberHandler struct{ handlers }

func (h memberHandler) AddMember(ctx context.Context, req *signalboxv1.AddMemberRequest) (*signalboxv1.AddMemberResponse, error) {
	m, err := h.deps.Projects.AddMember(ctx, scopeFrom(ctx), req.GetUserId(), auth.Level(req.GetAccessLevel()), req.GetExpiresAt())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.AddMemberResponse{Member: h.urls.toMember(m)}, nil
}

func (h memberHandler) UpdateMember(ctx context.Context, req *signalboxv1.UpdateMemberRequest) (*signalboxv1.UpdateMemberResponse, error) {
	m, err := h.deps.Projects.UpdateMember(ctx, scopeFrom(ctx), req.GetUserId(), auth.Level(req.GetAccessLevel()), req.ExpiresAt)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UpdateMemberResponse{Member: h.urls.toMember(m)}, nil
}

func (h memberHandler) RemoveMember(ctx context.Context, req *signalboxv1.RemoveMemberRequest) (*signalboxv1.RemoveMemberResponse, error) {
	if err := h.deps.Projects.RemoveMember(ctx, scopeFrom(ctx), req.GetUserId()); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.RemoveMemberResponse{}, nil
}

func (h memberHandler) ListMembers(ctx context.Context, req *signalboxv1.ListMembersRequest) (*signalboxv1.ListMembersResponse, error) {
	all, err := h.deps.Projects.ListMembers(ctx, scopeFrom(ctx), req.GetQuery())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListMembersResponse{TotalSize: int64(len(all))}
	for _, m := range page(all, req.GetPage(), req.GetPerPage()) {
		out.Members = append(out.Members, h.urls.toMember(m))
	}
	return out, nil
}
