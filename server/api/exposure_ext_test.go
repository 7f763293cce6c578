package api_test

import (
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestAdminFlagOnlyForAdministrators: Connect answers say whether a user is
// an administrator only to administrators, and to the user themself, as
// GitLab's REST shows is_admin. A developer reading a merge request by root
// does not learn that root is one.
func TestAdminFlagOnlyForAdministrators(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	devID, dev := g.user(t, "dev", 30, "")
	ctx := as(t.Context(), dev)

	mr, err := g.mergeRequests().GetMergeRequest(ctx, &signalboxv1.GetMergeRequestRequest{Project: "root/p", MergeRequestIid: 1})
	require.NoError(t, err)
	require.Equal(t, "root", mr.GetMergeRequest().GetAuthor().GetUsername())
	require.Nil(t, mr.GetMergeRequest().GetAuthor().Admin, "a nested user carries no admin flag")

	root, err := g.users().GetUser(ctx, &signalboxv1.GetUserRequest{UserId: 1})
	require.NoError(t, err)
	require.Nil(t, root.GetUser().Admin, "a developer does not learn who administers the instance")

	self, err := g.users().GetCurrentUser(ctx, &signalboxv1.GetCurrentUserRequest{})
	require.NoError(t, err)
	require.Equal(t, proto.Bool(false), self.GetUser().Admin, "a user sees their own flag")

	asRoot := as(t.Context(), servertest.RootToken)
	root, err = g.users().GetUser(asRoot, &signalboxv1.GetUserRequest{UserId: 1})
	require.NoError(t, err)
	require.Equal(t, proto.Bool(true), root.GetUser().Admin, "an administrator sees everyone's")
	devSeen, err := g.users().GetUser(asRoot, &signalboxv1.GetUserRequest{UserId: devID})
	require.NoError(t, err)
	require.Equal(t, proto.Bool(false), devSeen.GetUser().Admin)
	mr, err = g.mergeRequests().GetMergeRequest(asRoot, &signalboxv1.GetMergeRequestRequest{Project: "root/p", MergeRequestIid: 1})
	require.NoError(t, err)
	require.Nil(t, mr.GetMergeRequest().GetAuthor().Admin, "nested users carry none, whoever asks")
}

// TestCheckURLShownByOneRule: a check whose URL carries credentials in its
// userinfo and its query string. Its settings show the URL as configured to
// a maintainer; everywhere else a developer sees it without either, the
// answer to their own status check response included; a reporter sees
// nothing.
func TestCheckURLShownByOneRule(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	_, dev := g.user(t, "dev", 30, "")
	_, rep := g.user(t, "rep", 20, "")
	const configured = "https://ci-bot:s3cret@checks.example.test/hook?token=t0ken#frag"
	const shown = "https://checks.example.test/hook"
	created, err := g.statusChecks().CreateStatusCheck(as(t.Context(), servertest.RootToken), &signalboxv1.CreateStatusCheckRequest{
		Project: "root/p", Name: proto.String("compliance"), ExternalUrl: proto.String(configured),
	})
	require.NoError(t, err)
	require.Equal(t, configured, created.GetCheck().GetExternalUrl(), "the settings show what was configured")

	for token, want := range map[string]string{dev: shown, rep: ""} {
		list, err := g.statusChecks().ListMergeRequestStatusChecks(as(t.Context(), token), &signalboxv1.ListMergeRequestStatusChecksRequest{Project: "root/p", MergeRequestIid: 1})
		require.NoError(t, err)
		require.Equal(t, want, list.GetStatusChecks()[0].GetExternalUrl())
	}

	mr, err := g.mergeRequests().GetMergeRequest(as(t.Context(), dev), &signalboxv1.GetMergeRequestRequest{Project: "root/p", MergeRequestIid: 1})
	require.NoError(t, err)
	answer, err := g.statusChecks().SetStatusCheckResponse(as(t.Context(), dev), &signalboxv1.SetStatusCheckResponseRequest{
		Project: "root/p", MergeRequestIid: 1, ExternalStatusCheckId: created.GetCheck().GetId(),
		Sha: proto.String(mr.GetMergeRequest().GetSha()), Status: signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED,
	})
	require.NoError(t, err)
	require.Equal(t, shown, answer.GetResponse().GetExternalStatusCheck().GetExternalUrl())

	stream := g.watch(t, callCtx(t), dev)
	g.rename(t, "Add app, take 2")
	for {
		snap, err := stream.Receive()
		require.NoError(t, err)
		if snap.GetMergeRequest().GetTitle() == "Add app, take 2" {
			require.Equal(t, shown, snap.GetStatusChecks()[0].GetExternalUrl())
			break
		}
	}
}

// TestSecurityHeadersOnTheConnectDoor: every answer says nosniff, and the
// one that carries a new token may not be stored by any cache.
func TestSecurityHeadersOnTheConnectDoor(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	post := func(procedure, body string) *http.Response {
		req, err := http.NewRequest("POST", g.srv.URL+procedure, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+servertest.RootToken)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	res := post("/signalbox.v1.ProjectService/GetProject", `{"project":"root/p"}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.NotEqual(t, "no-store", res.Header.Get("Cache-Control"))

	res = post("/signalbox.v1.UserService/CreatePersonalAccessToken", `{"userId":"1","name":"t","scopes":["api"]}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))

	// The SDK's Go client sees the same header.
	ctx, info := connect.NewClientContext(t.Context())
	info.RequestHeader().Set("Authorization", "Bearer "+servertest.RootToken)
	_, err := g.users().CreatePersonalAccessToken(ctx, &signalboxv1.CreatePersonalAccessTokenRequest{UserId: 1, Name: "t2", Scopes: []string{"api"}})
	require.NoError(t, err)
	require.Equal(t, "no-store", info.ResponseHeader().Get("Cache-Control"))
}
