package signalbox_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/servertest"
)

func TestNewRefusesBadInput(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://example.com", "http://", "http//example.com", "::"} {
		_, err := signalbox.New(u)
		require.ErrorIs(t, err, signalbox.ErrInvalidBaseURL, u)
	}
	_, err := signalbox.New("http://example.com", signalbox.WithToken("glpat-x\r\nX-Evil: 1"))
	require.ErrorIs(t, err, signalbox.ErrInvalidToken)
	require.NotContains(t, err.Error(), "glpat", "the token stays out of errors")

	c, err := signalbox.New("https://example.com/signalbox/", signalbox.WithOptions(nil), signalbox.WithInterceptors(nil))
	require.NoError(t, err)
	require.NotNil(t, c.Projects)
	require.NotNil(t, c.Conn())
}

// TestEveryProtocolCreatesAProjectAndACheck runs the same calls over the
// Connect protocol, gRPC over h2c and gRPC-Web, and checks that the
// protocol asked for is the one used.
func TestEveryProtocolCreatesAProjectAndACheck(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	for name, protocol := range protocols() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			seen := newCalls()
			c := rootClient(t, srv, protocol, signalbox.WithInterceptors(seen.interceptor()))

			ctx, info := connect.NewClientContext(t.Context())
			p, err := c.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "over-" + name})
			require.NoError(t, err)
			require.Equal(t, "root/over-"+name, p.GetProject().GetPathWithNamespace())
			if name == connect.ProtocolNameGRPC {
				httpInfo, ok := connecthttp.ClientInfoForContext(ctx)
				require.True(t, ok)
				require.Equal(t, "HTTP/2.0", httpInfo.ResponseProto(), "gRPC on http:// is h2c")
			}
			require.Equal(t, name, info.Protocol)

			check, err := c.StatusChecks.CreateStatusCheck(t.Context(), &signalboxv1.CreateStatusCheckRequest{
				Project:      p.GetProject().GetPathWithNamespace(),
				Name:         proto.String("compliance"),
				ExternalUrl:  proto.String("https://compliance.example.test/check"),
				SharedSecret: proto.String("s3cret"),
			})
			require.NoError(t, err)
			require.True(t, check.GetCheck().GetHmac())

			list, err := c.StatusChecks.ListStatusChecks(t.Context(), &signalboxv1.ListStatusChecksRequest{Project: p.GetProject().GetPathWithNamespace()})
			require.NoError(t, err)
			require.Len(t, list.GetChecks(), 1)
			require.Equal(t, "compliance", list.GetChecks()[0].GetName())

			require.Equal(t, []string{name}, seen.protocolSet())
		})
	}
}

// countingTransport counts the requests that go through it.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestWithHTTPClientCarriesEveryCall(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	rt := &countingTransport{next: http.DefaultTransport}
	c := rootClient(t, srv, signalbox.WithHTTPClient(&http.Client{Transport: rt}))
	_, err := c.Users.GetCurrentUser(t.Context(), &signalboxv1.GetCurrentUserRequest{})
	require.NoError(t, err)
	_, err = c.Projects.ListProjects(t.Context(), &signalboxv1.ListProjectsRequest{})
	require.NoError(t, err)
	require.EqualValues(t, 2, rt.n.Load())
}

func TestTokenAuth(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)

	anonymous, err := signalbox.New(srv.URL)
	require.NoError(t, err)
	_, err = anonymous.Users.GetCurrentUser(t.Context(), &signalboxv1.GetCurrentUserRequest{})
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	require.True(t, signalbox.IsUnauthenticated(err))
	require.Equal(t, signalboxv1.Reason_REASON_UNAUTHENTICATED, signalbox.ReasonOf(err))

	empty, err := signalbox.New(srv.URL, signalbox.WithToken(""))
	require.NoError(t, err)
	_, err = empty.Users.GetCurrentUser(t.Context(), &signalboxv1.GetCurrentUserRequest{})
	require.True(t, signalbox.IsUnauthenticated(err), "an empty token sends none")

	wrong, err := signalbox.New(srv.URL, signalbox.WithToken("glpat-not-a-token"))
	require.NoError(t, err)
	_, err = wrong.Users.GetCurrentUser(t.Context(), &signalboxv1.GetCurrentUserRequest{})
	require.True(t, signalbox.IsUnauthenticated(err))

	for name, protocol := range protocols() {
		root := rootClient(t, srv, protocol)
		me, err := root.Users.GetCurrentUser(t.Context(), &signalboxv1.GetCurrentUserRequest{})
		require.NoError(t, err, name)
		require.Equal(t, "root", me.GetUser().GetUsername(), name)
	}

	// The client's token wins over an Authorization header the caller set.
	root := rootClient(t, srv)
	ctx, info := connect.NewClientContext(t.Context())
	info.RequestHeader().Set("Authorization", "Bearer glpat-not-a-token")
	_, err = root.Users.GetCurrentUser(ctx, &signalboxv1.GetCurrentUserRequest{})
	require.NoError(t, err)
}

// TestTokenIsSentAsBearer checks the exact header, on every attempt.
func TestTokenIsSentAsBearer(t *testing.T) {
	t.Parallel()
	f := &flaky{failures: 1}
	c, err := signalbox.New(serveFlaky(t, f), signalbox.WithToken("glpat-abc"), signalbox.WithRetry(2, 1, 1))
	require.NoError(t, err)
	_, err = c.Projects.ListProjects(t.Context(), &signalboxv1.ListProjectsRequest{})
	require.NoError(t, err)
	require.Equal(t, []string{"Bearer glpat-abc", "Bearer glpat-abc"}, f.authorizations())
}
