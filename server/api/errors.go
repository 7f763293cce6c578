package api

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/user"
)

// problem is one row of the error table: the Connect code, the stable
// reason, and the message clients see.
type problem struct {
	code    connect.Code
	reason  signalboxv1.Reason
	message string
}

// problems maps every domain error to what the API says about it. It is the
// only place domain errors become codes; the REST door then turns codes and
// reasons into GitLab's bodies.
func problems() []struct {
	err error
	p   problem
} {
	return []struct {
		err error
		p   problem
	}{
		{auth.ErrUnauthenticated, problem{connect.CodeUnauthenticated, signalboxv1.Reason_REASON_UNAUTHENTICATED, "valid credentials are required"}},
		{auth.ErrInsufficientScope, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_INSUFFICIENT_SCOPE, "the token's scopes do not allow this call"}},
		{auth.ErrForbidden, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_PERMISSION_DENIED, "your role in the project does not allow this"}},
		{project.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_PROJECT_NOT_FOUND, "project not found"}},
		{project.ErrNamespaceNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "namespace not found"}},
		{project.ErrMemberExists, problem{connect.CodeAlreadyExists, signalboxv1.Reason_REASON_MEMBER_EXISTS, "the user is already a member"}},
		{project.ErrMemberNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_MEMBER_NOT_FOUND, "member not found"}},
		{project.ErrBranchAlreadyProtected, problem{connect.CodeAlreadyExists, signalboxv1.Reason_REASON_BRANCH_ALREADY_PROTECTED, "the branch is already protected"}},
		{project.ErrProtectedBranchNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_PROTECTED_BRANCH_NOT_FOUND, "protected branch not found"}},
		{user.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_USER_NOT_FOUND, "user not found"}},
		{statuscheck.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "status check not found"}},
		{statuscheck.ErrProtectedBranchNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "protected branch not found"}},
		{statuscheck.ErrBranchOutsideProject, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_PROTECTED_BRANCH_OUTSIDE_PROJECT, "all protected branches must exist within the project"}},
	}
}

// toConnect turns a domain error into the error the API returns. Anything
// not in the table is internal: its text is logged, never sent.
func toConnect(ctx context.Context, logger *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if ce := new(connect.Error); errors.As(err, &ce) {
		return err
	}
	var ve *protovalidate.ValidationError
	if errors.As(err, &ve) {
		return validationError(ve)
	}
	var taken *store.TakenError
	if errors.As(err, &taken) {
		return withProblem(connect.NewError(connect.CodeAlreadyExists, "already taken: "+joinFields(taken.Fields)),
			&signalboxv1.Problem{Reason: signalboxv1.Reason_REASON_ALREADY_TAKEN, Fields: taken.Fields})
	}
	for _, row := range problems() {
		if errors.Is(err, row.err) {
			return withProblem(connect.NewError(row.p.code, row.p.message), &signalboxv1.Problem{Reason: row.p.reason})
		}
	}
	if errors.Is(err, context.Canceled) {
		return connect.NewError(connect.CodeCanceled, "canceled")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, "deadline exceeded")
	}
	logger.ErrorContext(ctx, "internal error", "error", err)
	return connect.NewError(connect.CodeInternal, "internal error").WithCause(err)
}

// validationError is what both the validate interceptor and the domain's
// own rules return: InvalidArgument with the violations as a detail.
func validationError(ve *protovalidate.ValidationError) *connect.Error {
	ce := connect.NewError(connect.CodeInvalidArgument, ve.Error())
	if d, err := connectproto.NewErrorDetail(ve.ToProto()); err == nil {
		ce = ce.WithDetail(d)
	}
	return ce
}

func withProblem(ce *connect.Error, p *signalboxv1.Problem) *connect.Error {
	if d, err := connectproto.NewErrorDetail(p); err == nil {
		return ce.WithDetail(d)
	}
	return ce
}

func joinFields(fields []string) string { return strings.Join(fields, ", ") }
