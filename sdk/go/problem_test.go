package signalbox_test

import (
	"context"
	"errors"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/servertest"
)

func TestProblemsFromTheServer(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	c := rootClient(t, srv)
	ctx := t.Context()
	ref := createProject(t, c, "problems")

	t.Run("duplicate check", func(t *testing.T) {
		check := &signalboxv1.CreateStatusCheckRequest{Project: ref, Name: proto.String("lint"), ExternalUrl: proto.String("https://lint.example.test/")}
		_, err := c.StatusChecks.CreateStatusCheck(ctx, check)
		require.NoError(t, err)
		check.ExternalUrl = proto.String("ftp://lint.example.test/")
		_, err = c.StatusChecks.CreateStatusCheck(ctx, check)
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
		require.Equal(t, []signalbox.Violation{
			{Field: "name", RuleID: "status_check.name_taken", Message: "Name has already been taken"},
			{Field: "external_url", RuleID: "status_check.external_url_scheme", Message: "External url is blocked: Only allowed schemes are http, https"},
		}, signalbox.Violations(err))
		require.Nil(t, signalbox.ProblemOf(err))
	})

	t.Run("standard rules", func(t *testing.T) {
		_, err := c.Projects.ListProjects(ctx, &signalboxv1.ListProjectsRequest{PerPage: 101})
		vs := signalbox.Violations(err)
		require.Len(t, vs, 1)
		require.Equal(t, "per_page", vs[0].Field)
		require.Equal(t, "int32.gte_lte", vs[0].RuleID)
	})

	t.Run("missing project", func(t *testing.T) {
		_, err := c.StatusChecks.ListStatusChecks(ctx, &signalboxv1.ListStatusChecksRequest{Project: "root/nope"})
		require.True(t, signalbox.IsNotFound(err))
		require.False(t, signalbox.IsPermissionDenied(err))
		require.Equal(t, signalboxv1.Reason_REASON_PROJECT_NOT_FOUND, signalbox.ProblemOf(err).GetReason())
		require.Equal(t, signalboxv1.Reason_REASON_PROJECT_NOT_FOUND, signalbox.ReasonOf(err))
		require.Nil(t, signalbox.Violations(err))
		_, ok := signalbox.IsShaMismatch(err)
		require.False(t, ok)
	})

	t.Run("taken path", func(t *testing.T) {
		_, err := c.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "problems"})
		fields, ok := signalbox.IsAlreadyTaken(err)
		require.True(t, ok, "%v", err)
		require.Contains(t, fields, "path")
	})

	t.Run("role too low", func(t *testing.T) {
		u, err := c.Users.CreateUser(ctx, &signalboxv1.CreateUserRequest{Username: "dev", Name: "Dev", Email: "dev@example.test"})
		require.NoError(t, err)
		tok, err := c.Users.CreatePersonalAccessToken(ctx, &signalboxv1.CreatePersonalAccessTokenRequest{UserId: u.GetUser().GetId(), Name: "t", Scopes: []string{"api"}})
		require.NoError(t, err)
		_, err = c.Members.AddMember(ctx, &signalboxv1.AddMemberRequest{Project: ref, UserId: u.GetUser().GetId(), AccessLevel: 30})
		require.NoError(t, err)
		dev, err := signalbox.New(srv.URL, signalbox.WithToken(tok.GetToken().GetToken()))
		require.NoError(t, err)
		_, err = dev.StatusChecks.ListStatusChecks(ctx, &signalboxv1.ListStatusChecksRequest{Project: ref})
		require.True(t, signalbox.IsPermissionDenied(err))
		require.False(t, signalbox.IsNotFound(err))
		require.Equal(t, signalboxv1.Reason_REASON_PERMISSION_DENIED, signalbox.ReasonOf(err))
	})
}

func TestIsShaMismatchOnARealMergeRequest(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	c := rootClient(t, srv)
	r := newRepo(t, srv, c, "sha")
	check, err := c.StatusChecks.CreateStatusCheck(t.Context(), &signalboxv1.CreateStatusCheckRequest{
		Project: r.project, Name: proto.String("lint"), ExternalUrl: proto.String("https://lint.example.test/"),
	})
	require.NoError(t, err)

	answer := &signalboxv1.SetStatusCheckResponseRequest{
		Project: r.project, MergeRequestIid: r.mrIID, ExternalStatusCheckId: check.GetCheck().GetId(),
		Sha: proto.String("0123456789abcdef0123456789abcdef01234567"), Status: signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED,
	}
	_, err = c.StatusChecks.SetStatusCheckResponse(t.Context(), answer)
	head, ok := signalbox.IsShaMismatch(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, r.head, head)

	// Answering again for the head the error named works.
	answer.Sha = proto.String(head)
	_, err = c.StatusChecks.SetStatusCheckResponse(t.Context(), answer)
	require.NoError(t, err)
}

func TestHelpersOnOtherErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		nil,
		errors.New("plain"),
		context.Canceled,
		connect.NewError(connect.CodeInternal, "no details"),
	} {
		require.Nil(t, signalbox.ProblemOf(err))
		require.Equal(t, signalboxv1.Reason_REASON_UNSPECIFIED, signalbox.ReasonOf(err))
		require.Nil(t, signalbox.Violations(err))
		require.False(t, signalbox.IsNotFound(err))
		require.False(t, signalbox.IsPermissionDenied(err))
		require.False(t, signalbox.IsUnauthenticated(err))
		_, ok := signalbox.IsShaMismatch(err)
		require.False(t, ok)
		_, ok = signalbox.IsAlreadyTaken(err)
		require.False(t, ok)
	}
}

// TestViolationFieldPaths covers the subscripts the server's rules do not
// produce today: list indexes and map keys.
func TestViolationFieldPaths(t *testing.T) {
	t.Parallel()
	elem := func(name string) *validate.FieldPathElement {
		return validate.FieldPathElement_builder{FieldName: proto.String(name)}.Build()
	}
	indexed := elem("checks")
	indexed.SetIndex(2)
	keyed := elem("labels")
	keyed.SetStringKey(`a"b`)
	numbered := elem("by_id")
	numbered.SetIntKey(-4)
	vs := validate.Violations_builder{Violations: []*validate.Violation{
		validate.Violation_builder{
			Field:  validate.FieldPath_builder{Elements: []*validate.FieldPathElement{indexed, elem("external_url")}}.Build(),
			RuleId: proto.String("status_check.external_url_host"), Message: proto.String("External url must be a valid URL"),
		}.Build(),
		validate.Violation_builder{
			Field:  validate.FieldPath_builder{Elements: []*validate.FieldPathElement{keyed}}.Build(),
			RuleId: proto.String("string.min_len"),
		}.Build(),
		validate.Violation_builder{
			Field:  validate.FieldPath_builder{Elements: []*validate.FieldPathElement{numbered}}.Build(),
			RuleId: proto.String("int64.gt"),
		}.Build(),
		validate.Violation_builder{RuleId: proto.String("project.name_or_path"), Message: proto.String("name or path is required")}.Build(),
	}}.Build()
	detail, err := connectproto.NewErrorDetail(vs)
	require.NoError(t, err)
	problem, err := connectproto.NewErrorDetail(&signalboxv1.Problem{Reason: signalboxv1.Reason_REASON_SHA_MISMATCH, HeadSha: "abc"})
	require.NoError(t, err)
	ce := connect.NewError(connect.CodeInvalidArgument, "invalid").WithDetail(detail).WithDetail(problem)

	require.Equal(t, []signalbox.Violation{
		{Field: "checks[2].external_url", RuleID: "status_check.external_url_host", Message: "External url must be a valid URL"},
		{Field: `labels["a\"b"]`, RuleID: "string.min_len"},
		{Field: "by_id[-4]", RuleID: "int64.gt"},
		{RuleID: "project.name_or_path", Message: "name or path is required"},
	}, signalbox.Violations(ce))

	// Wrapped errors are read too.
	head, ok := signalbox.IsShaMismatch(errors.Join(errors.New("while answering"), ce))
	require.True(t, ok)
	require.Equal(t, "abc", head)
}
