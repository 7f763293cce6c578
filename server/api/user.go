package api

import (
	"context"

	"connectrpc.com/connect/v2"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/user"
)

type userHandler struct{ handlers }

func (h userHandler) CreateUser(ctx context.Context, req *signalboxv1.CreateUserRequest) (*signalboxv1.CreateUserResponse, error) {
	caller := auth.FromContext(ctx)
	u, err := h.deps.Users.Create(ctx, caller, user.CreateParams{
		Username: req.GetUsername(),
		Name:     req.GetName(),
		Email:    req.GetEmail(),
		Admin:    req.GetAdmin(),
		Bot:      req.GetBot(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CreateUserResponse{User: withAdmin(h.urls.toUser(u, true), u, caller)}, nil
}

func (h userHandler) GetUser(ctx context.Context, req *signalboxv1.GetUserRequest) (*signalboxv1.GetUserResponse, error) {
	u, err := h.deps.Users.Get(ctx, req.GetUserId())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	caller := auth.FromContext(ctx)
	out := h.urls.toUser(u, caller.Admin || caller.UserID == u.GetId())
	return &signalboxv1.GetUserResponse{User: withAdmin(out, u, caller)}, nil
}

func (h userHandler) GetCurrentUser(ctx context.Context, _ *signalboxv1.GetCurrentUserRequest) (*signalboxv1.GetCurrentUserResponse, error) {
	caller := auth.FromContext(ctx)
	u, err := h.deps.Users.Get(ctx, caller.UserID)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetCurrentUserResponse{User: withAdmin(h.urls.toUser(u, true), u, caller)}, nil
}

func (h userHandler) CreatePersonalAccessToken(ctx context.Context, req *signalboxv1.CreatePersonalAccessTokenRequest) (*signalboxv1.CreatePersonalAccessTokenResponse, error) {
	t, secret, err := h.deps.Users.CreateToken(ctx, auth.FromContext(ctx), req.GetUserId(), user.TokenParams{
		Name:      req.GetName(),
		Scopes:    req.GetScopes(),
		ExpiresAt: req.GetExpiresAt(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	// The answer holds a live secret: no cache, shared or private, may keep it.
	if info, ok := connect.CallInfoForServerContext(ctx); ok {
		info.ResponseHeader().Set("Cache-Control", "no-store")
	}
	return &signalboxv1.CreatePersonalAccessTokenResponse{Token: toToken(t, secret, h.deps.Users.Expired(t))}, nil
}

func (h userHandler) RevokeCurrentPersonalAccessToken(ctx context.Context, _ *signalboxv1.RevokeCurrentPersonalAccessTokenRequest) (*signalboxv1.RevokeCurrentPersonalAccessTokenResponse, error) {
	info, _ := connect.CallInfoForServerContext(ctx)
	if err := h.deps.Users.RevokeToken(ctx, tokenFrom(info)); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.RevokeCurrentPersonalAccessTokenResponse{}, nil
}
