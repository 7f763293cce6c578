package api_test

import (
	"errors"
	"net/http"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectproto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/servertest"
)

// doors are the wire protocols a client can use, each over the real
// listener: gRPC over h2c, Connect with JSON, and gRPC-Web.
func doors(t *testing.T, baseURL string) map[string]*connect.Client {
	t.Helper()
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Protocols: protocols}}
	return map[string]*connect.Client{
		"gRPC": connect.NewClient(connecthttp.NewTransport(h2c, baseURL, connecthttp.WithGRPC())),
		"ConnectJSON": connect.NewClient(connecthttp.NewTransport(http.DefaultClient, baseURL,
			connecthttp.WithCodecs(connectproto.NewJSONCodec()))),
		"gRPCWeb": connect.NewClient(connecthttp.NewTransport(http.DefaultClient, baseURL, connecthttp.WithGRPCWeb())),
	}
}

// TestStatusCheckLifecycleThroughEveryProtocol runs the configuration
// operations of the foundation through the generated Go clients.
func TestStatusCheckLifecycleThroughEveryProtocol(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	for name, client := range doors(t, srv.URL) {
		t.Run(name, func(t *testing.T) {
			ctx, info := connect.NewClientContext(t.Context())
			info.RequestHeader().Set("Authorization", "Bearer "+servertest.RootToken)

			users := signalboxv1connect.NewUserServiceClient(client)
			projects := signalboxv1connect.NewProjectServiceClient(client)
			members := signalboxv1connect.NewMemberServiceClient(client)
			branches := signalboxv1connect.NewProtectedBranchServiceClient(client)
			checks := signalboxv1connect.NewStatusCheckServiceClient(client)

			u, err := users.CreateUser(ctx, &signalboxv1.CreateUserRequest{Username: "dev-" + name, Name: "Dev", Email: name + "@example.test"})
			require.NoError(t, err)
			tok, err := users.CreatePersonalAccessToken(ctx, &signalboxv1.CreatePersonalAccessTokenRequest{UserId: u.GetUser().GetId(), Name: "t", Scopes: []string{"api"}})
			require.NoError(t, err)
			require.NotEmpty(t, tok.GetToken().GetToken())

			p, err := projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{
				Path: "p-" + name,
				Settings: &signalboxv1.ProjectSettingsPatch{
					OnlyAllowMergeIfAllStatusChecksPassed: proto.Bool(true),
				},
			})
			require.NoError(t, err)
			ref := p.GetProject().GetPathWithNamespace()
			require.True(t, p.GetProject().GetSettings().GetOnlyAllowMergeIfAllStatusChecksPassed())

			_, err = members.AddMember(ctx, &signalboxv1.AddMemberRequest{Project: ref, UserId: u.GetUser().GetId(), AccessLevel: 30})
			require.NoError(t, err)
			pb, err := branches.ProtectBranch(ctx, &signalboxv1.ProtectBranchRequest{Project: ref, Name: "release/*"})
			require.NoError(t, err)

			created, err := checks.CreateStatusCheck(ctx, &signalboxv1.CreateStatusCheckRequest{
				Project: ref, Name: proto.String("lint"), ExternalUrl: proto.String("https://lint.example.test/?k=v"),
				SharedSecret: proto.String("s"), ProtectedBranchIds: []int64{pb.GetProtectedBranch().GetId()},
			})
			require.NoError(t, err)
			require.True(t, created.GetCheck().GetHmac())
			require.Equal(t, "release/*", created.GetCheck().GetProtectedBranches()[0].GetName())

			_, err = checks.CreateStatusCheck(ctx, &signalboxv1.CreateStatusCheckRequest{
				Project: ref, Name: proto.String("lint"), ExternalUrl: proto.String("ftp://lint.example.test/"),
			})
			require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
			require.ElementsMatch(t, []string{"status_check.name_taken", "status_check.external_url_scheme"}, ruleIDs(t, err))

			updated, err := checks.UpdateStatusCheck(ctx, &signalboxv1.UpdateStatusCheckRequest{
				Project: ref, CheckId: created.GetCheck().GetId(), Name: proto.String("lint v2"),
				ProtectedBranchIds: &signalboxv1.ProtectedBranchIds{},
			})
			require.NoError(t, err)
			require.Equal(t, "lint v2", updated.GetCheck().GetName())
			require.Empty(t, updated.GetCheck().GetProtectedBranches())
			require.True(t, updated.GetCheck().GetHmac(), "the secret stays when not sent")

			// The developer may not list or delete checks.
			devCtx, devInfo := connect.NewClientContext(t.Context())
			devInfo.RequestHeader().Set("Private-Token", tok.GetToken().GetToken())
			_, err = checks.ListStatusChecks(devCtx, &signalboxv1.ListStatusChecksRequest{Project: ref})
			require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))
			_, err = checks.DeleteStatusCheck(devCtx, &signalboxv1.DeleteStatusCheckRequest{Project: ref, CheckId: created.GetCheck().GetId()})
			require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))

			list, err := checks.ListStatusChecks(ctx, &signalboxv1.ListStatusChecksRequest{Project: ref})
			require.NoError(t, err)
			require.EqualValues(t, 1, list.GetTotalSize())

			_, err = checks.DeleteStatusCheck(ctx, &signalboxv1.DeleteStatusCheckRequest{Project: ref, CheckId: created.GetCheck().GetId()})
			require.NoError(t, err)
			_, err = checks.DeleteStatusCheck(ctx, &signalboxv1.DeleteStatusCheckRequest{Project: ref, CheckId: created.GetCheck().GetId()})
			require.Equal(t, connect.CodeNotFound, connect.CodeOf(err))

			// No credentials: 401 before anything else.
			_, err = checks.ListStatusChecks(t.Context(), &signalboxv1.ListStatusChecksRequest{})
			require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
		})
	}
}

func ruleIDs(t *testing.T, err error) []string {
	t.Helper()
	var ce *connect.Error
	require.True(t, errors.As(err, &ce))
	var out []string
	for _, d := range ce.Details() {
		msg, uerr := connectproto.UnmarshalErrorDetail(d)
		if uerr != nil {
			continue
		}
		if vs, ok := msg.(*validate.Violations); ok {
			for _, v := range vs.GetViolations() {
				out = append(out, v.GetRuleId())
			}
		}
	}
	return out
}
