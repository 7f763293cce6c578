package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/user"
)

type userHandler struct{ handlers }

func (h userHandler) CreateUser(ctx context.Context, req *signalboxv1.CreateUserRequest) (*signalboxv1.CreateUserResponse, error) {
	u, err := h.deps.Users.Create(ctx, auth.FromContext(ctx), user.CreateParams{
		Username: req.GetUsername(),
		Name:     req.GetName(),
		Email:    req.GetEmail(),
		Admin:    req.GetAdmin(),
		Bot:      req.GetBot(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CreateUserResponse{User: h.urls.toUser(u, true)}, nil
}

func (h userHandler) GetUser(ctx context.Context, req *signalboxv1.GetUserRequest) (*signalboxv1.GetUserResponse, error) {
	u, err := h.deps.Users.Get(ctx, req.GetUserId())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	caller := auth.FromContext(ctx)
	return &signalboxv1.GetUserResponse{User: h.urls.toUser(u, caller.Admin || caller.UserID == u.GetId())}, nil
}

func (h userHandler) GetCurrentUser(ctx context.Context, _ *signalboxv1.GetCurrentUserRequest) (*signalboxv1.GetCurrentUserResponse, error) {
	u, err := h.deps.Users.Get(ctx, auth.FromContext(ctx).UserID)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetCurrentUserResponse{User: h.urls.toUser(u, true)}, nil
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
	return &signalboxv1.CreatePersonalAccessTokenResponse{Token: toToken(t, secret, h.deps.Users.Expired(t))}, nil
}
