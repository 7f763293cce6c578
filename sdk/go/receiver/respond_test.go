package receiver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/sdk/go/receiver"
)

// fakeStatusChecks stands in for Signalbox, the network peer: it records the
// SetStatusCheckResponse calls it gets.
type fakeStatusChecks struct {
	signalboxv1connect.UnimplementedStatusCheckServiceHandler
	mu       sync.Mutex
	requests []*signalboxv1.SetStatusCheckResponseRequest
	auth     []string
}

func (f *fakeStatusChecks) SetStatusCheckResponse(ctx context.Context, req *signalboxv1.SetStatusCheckResponseRequest) (*signalboxv1.SetStatusCheckResponseResponse, error) {
	info, _ := connect.CallInfoForServerContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	f.auth = append(f.auth, info.RequestHeader().Get("Authorization"))
	return &signalboxv1.SetStatusCheckResponseResponse{}, nil
}

func (f *fakeStatusChecks) calls() ([]*signalboxv1.SetStatusCheckResponseRequest, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*signalboxv1.SetStatusCheckResponseRequest(nil), f.requests...), append([]string(nil), f.auth...)
}

// serve runs svc on a real loopback HTTP server, as Signalbox mounts it.
func serve(t *testing.T, svc signalboxv1connect.StatusCheckServiceHandler) string {
	t.Helper()
	server := connect.NewServer()
	signalboxv1connect.RegisterStatusCheckServiceHandler(server, svc)
	mux := http.NewServeMux()
	connecthttp.Mount(mux, server)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestResponderPostsTheVerdictForTheHeadSHA(t *testing.T) {
	t.Parallel()
	fake := &fakeStatusChecks{}
	responder := receiver.NewHTTPResponder(nil, serve(t, fake), "glpat-token")

	ev, err := receiver.Decode(payload(t))
	require.NoError(t, err)
	require.NoError(t, responder.Pass(t.Context(), ev))
	require.NoError(t, responder.Fail(t.Context(), ev))
	require.NoError(t, responder.Pending(t.Context(), ev))

	requests, auth := fake.calls()
	require.Len(t, requests, 3)
	for i, want := range []signalboxv1.StatusCheckStatus{
		signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED,
		signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED,
		signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING,
	} {
		req := requests[i]
		require.Equal(t, "6", req.GetProject())
		require.Equal(t, int64(4), req.GetMergeRequestIid())
		require.Equal(t, int64(1), req.GetExternalStatusCheckId())
		require.NotNil(t, req.Sha)
		require.Equal(t, "141be9714669a4c1ccaa013c6a7f3e462ff2a40f", req.GetSha())
		require.Equal(t, want, req.GetStatus())
		require.Equal(t, "Bearer glpat-token", auth[i])
	}
}

func TestResponderWithoutToken(t *testing.T) {
	t.Parallel()
	fake := &fakeStatusChecks{}
	client := connect.NewClient(connecthttp.NewTransport(http.DefaultClient, serve(t, fake)))
	responder := receiver.NewResponder(signalboxv1connect.NewStatusCheckServiceClient(client), "")
	require.NoError(t, responder.Pass(t.Context(), &receiver.Event{ProjectID: 1, MergeRequestIID: 2, SHA: "abc", Check: receiver.Check{ID: 3}}))
	_, auth := fake.calls()
	require.Equal(t, []string{""}, auth)
}

func TestResponderReturnsTheAPIError(t *testing.T) {
	t.Parallel()
	// The server's side of the RPC answers Unimplemented until it exists.
	responder := receiver.NewHTTPResponder(nil, serve(t, signalboxv1connect.UnimplementedStatusCheckServiceHandler{}), "glpat-secret-token")
	ev := &receiver.Event{ProjectID: 1, MergeRequestIID: 2, SHA: "abc", Check: receiver.Check{ID: 3}}
	err := responder.Fail(t.Context(), ev)
	require.Error(t, err)
	require.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err))
	require.NotContains(t, err.Error(), "glpat-secret-token")

	require.Error(t, responder.Pass(t.Context(), nil))
}
