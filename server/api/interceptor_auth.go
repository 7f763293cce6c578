package api

import (
	"context"
	"log/slog"
	"strings"

	"connectrpc.com/connect/v2"

	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/auth"
)

// Authenticator turns a token into the caller it belongs to.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*auth.Principal, error)
}

// authInterceptor runs before any payload work. It puts the caller in the
// context, refuses anonymous calls to procedures that need a caller, and
// refuses tokens whose scopes do not cover the procedure. A token that is
// sent but not valid is refused even where anonymous calls are allowed, as
// GitLab does.
func authInterceptor(authn Authenticator, logger *slog.Logger) connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			info, _ := connect.CallInfoForServerContext(ctx)
			creds := &credentials{token: tokenFrom(info), authn: authn, spec: spec}
			caller, err := creds.authenticate(ctx)
			if err != nil {
				return toConnect(ctx, logger, err)
			}
			logCallerOf(ctx, caller)
			ctx = context.WithValue(ctx, credentialsKey{}, creds)
			return next(auth.NewContext(ctx, caller), spec, stream)
		}
	}
}

// credentials are what a call was authenticated with, kept so that a long
// call (a watch stream) can be authenticated again while it runs.
type credentials struct {
	token string
	authn Authenticator
	spec  connect.Spec
}

type credentialsKey struct{}

// authenticate turns the token into the caller and applies the procedure's
// rules: a caller where one is needed, and a token scope that covers it.
func (c *credentials) authenticate(ctx context.Context) (*auth.Principal, error) {
	var caller *auth.Principal
	if c.token != "" {
		p, err := c.authn.Authenticate(ctx, c.token)
		if err != nil {
			return nil, err
		}
		caller = p
	}
	if caller == nil && !allowsAnonymous(c.spec.Procedure) {
		return nil, auth.ErrUnauthenticated
	}
	if caller != nil && !scopeAllows(caller, c.spec) {
		return nil, auth.ErrInsufficientScope
	}
	return caller, nil
}

// reauthenticate checks the current call's credentials again, exactly as
// when the call began: a token revoked or expired since, or a user blocked
// since, gives auth.ErrUnauthenticated.
func reauthenticate(ctx context.Context) (*auth.Principal, error) {
	c, _ := ctx.Value(credentialsKey{}).(*credentials)
	if c == nil {
		return nil, auth.ErrUnauthenticated
	}
	return c.authenticate(ctx)
}

// tokenFrom reads a personal access token from the headers GitLab accepts:
// PRIVATE-TOKEN, or Authorization: Bearer.
func tokenFrom(info *connect.CallInfo) string {
	if info == nil {
		return ""
	}
	h := info.RequestHeader()
	if t := h.Get("Private-Token"); t != "" {
		return t
	}
	if a := h.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// allowsAnonymous lists the procedures that may be called without a token:
// reading public projects.
func allowsAnonymous(procedure string) bool {
	switch procedure {
	case signalboxv1connect.ProjectServiceGetProjectProcedure,
		signalboxv1connect.ProjectServiceListProjectsProcedure,
		// GitLab's merge train reads have no authenticate! of their own.
		signalboxv1connect.MergeTrainServiceListMergeTrainCarsProcedure,
		signalboxv1connect.MergeTrainServiceGetMergeTrainCarProcedure:
		return true
	}
	return false
}

// scopeAllows applies GitLab's token scopes: "api" allows everything,
// "read_api" allows calls without side effects, and "read_user" allows
// reading users.
func scopeAllows(p *auth.Principal, spec connect.Spec) bool {
	readOnly := spec.IdempotencyLevel == connect.IdempotencyNoSideEffects
	if p.CanCallAPI(readOnly) {
		return true
	}
	switch spec.Procedure {
	case signalboxv1connect.UserServiceGetCurrentUserProcedure, signalboxv1connect.UserServiceGetUserProcedure:
		return p.HasScope("read_user")
	case signalboxv1connect.UserServiceRevokeCurrentPersonalAccessTokenProcedure:
		// Whoever holds a token may always give it up.
		return true
	}
	return false
}
