package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/servertest"
)

// gate is a server with a private project root/p, branches main and
// feature, and merge request !1 (feature into main, by root).
type gate struct {
	srv    *servertest.Server
	client *connect.Client
	// repo pushes to root/p as root.
	repo *servertest.Worktree
}

func newGate(t testing.TB, opts ...servertest.Option) *gate {
	t.Helper()
	srv := servertest.New(t, opts...)
	srv.Root(t, "POST", "/api/v4/projects", map[string]any{"path": "p"}, nil)
	w := srv.Clone(t, "root/p")
	w.Push("main", "", map[string]string{"README": "hello\n"})
	w.Push("feature", "main", map[string]string{"app": "v1\n"})
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add app"}, nil)
	return &gate{srv: srv, client: connect.NewClient(connecthttp.NewTransport(http.DefaultClient, srv.URL)), repo: w}
}

// user creates a user with an api token (expiring on expiresAt, YYYY-MM-DD,
// when not empty) and, unless level is 0, makes them a member of root/p.
func (g *gate) user(t testing.TB, name string, level int, expiresAt string) (id int64, token string) {
	t.Helper()
	var u struct {
		ID int64 `json:"id"`
	}
	g.srv.Root(t, "POST", "/api/v4/users", map[string]any{
		"username": name, "name": name, "email": name + "@example.test", "password": "unused-password",
	}, &u)
	body := map[string]any{"name": "t", "scopes": []string{"api"}}
	if expiresAt != "" {
		body["expires_at"] = expiresAt
	}
	var tok struct {
		Token string `json:"token"`
	}
	g.srv.Root(t, "POST", fmt.Sprintf("/api/v4/users/%d/personal_access_tokens", u.ID), body, &tok)
	if level != 0 {
		g.srv.Root(t, "POST", "/api/v4/projects/1/members", map[string]any{"user_id": u.ID, "access_level": level}, nil)
	}
	return u.ID, tok.Token
}

// as is a context, under parent, whose calls carry token.
func as(parent context.Context, token string) context.Context {
	ctx, info := connect.NewClientContext(parent)
	info.RequestHeader().Set("Authorization", "Bearer "+token)
	return ctx
}

func (g *gate) mergeRequests() signalboxv1connect.MergeRequestServiceClient {
	return signalboxv1connect.NewMergeRequestServiceClient(g.client)
}

func (g *gate) users() signalboxv1connect.UserServiceClient {
	return signalboxv1connect.NewUserServiceClient(g.client)
}

func (g *gate) statusChecks() signalboxv1connect.StatusCheckServiceClient {
	return signalboxv1connect.NewStatusCheckServiceClient(g.client)
}
