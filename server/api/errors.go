package api

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/conditional"
	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/mergetrain"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
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
		{conditional.ErrModified, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_PRECONDITION_FAILED, "the resource changed after If-Unmodified-Since; nothing was deleted"}},
		{auth.ErrUnauthenticated, problem{connect.CodeUnauthenticated, signalboxv1.Reason_REASON_UNAUTHENTICATED, "valid credentials are required"}},
		{auth.ErrInsufficientScope, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_INSUFFICIENT_SCOPE, "the token's scopes do not allow this call"}},
		{auth.ErrForbidden, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_PERMISSION_DENIED, "your role in the project does not allow this"}},
		{project.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_PROJECT_NOT_FOUND, "project not found"}},
		{project.ErrNamespaceNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "namespace not found"}},
		{project.ErrMemberExists, problem{connect.CodeAlreadyExists, signalboxv1.Reason_REASON_MEMBER_EXISTS, "the user is already a member"}},
		{project.ErrMemberNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_MEMBER_NOT_FOUND, "member not found"}},
		{project.ErrBranchAlreadyProtected, problem{connect.CodeAlreadyExists, signalboxv1.Reason_REASON_BRANCH_ALREADY_PROTECTED, "the branch is already protected"}},
		{project.ErrProtectedBranchNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_PROTECTED_BRANCH_NOT_FOUND, "protected branch not found"}},
		{project.ErrMergeTrainStrategyNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_MERGE_TRAIN_STRATEGY_NOT_FOUND, "merge train strategy not found"}},
		{user.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_USER_NOT_FOUND, "user not found"}},
		{user.ErrExpiryInPast, problem{connect.CodeInvalidArgument, signalboxv1.Reason_REASON_EXPIRY_IN_PAST, "expires_at must be a date after today"}},
		{errAccessLost, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_PERMISSION_DENIED, "you no longer have access to this merge request"}},
		{errTooManyWatches, problem{connect.CodeResourceExhausted, signalboxv1.Reason_REASON_TOO_MANY_WATCHES, "too many open watch streams for this user; close one first"}},
		{errPageTooLarge, problem{connect.CodeResourceExhausted, signalboxv1.Reason_REASON_PAGE_TOO_LARGE, "the page is too large to send; ask for fewer items per page"}},
		{statuscheck.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "status check not found"}},
		{statuscheck.ErrProtectedBranchNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "protected branch not found"}},
		{statuscheck.ErrBranchOutsideProject, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_PROTECTED_BRANCH_OUTSIDE_PROJECT, "all protected branches must exist within the project"}},
		{statuscheck.ErrMergeRequestNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_MERGE_REQUEST_NOT_FOUND, "merge request not found"}},
		{statuscheck.ErrNotFailed, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_STATUS_CHECK_NOT_FAILED, "only a failed status check can be retried"}},
		{statuscheck.ErrCannotRespond, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_CANNOT_RESPOND, "developers and above answer for status checks"}},
		{statuscheck.ErrDeliveryNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "delivery not found"}},
		{mergerequest.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_MERGE_REQUEST_NOT_FOUND, "merge request not found"}},
		{mergerequest.ErrSameBranch, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_SAME_BRANCH, "source and target are the same branch"}},
		{mergerequest.ErrCannotApprove, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_CANNOT_APPROVE, "you cannot approve this merge request"}},
		{mergerequest.ErrNotApproved, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "you have not approved this merge request"}},
		{mergerequest.ErrCannotMerge, problem{connect.CodePermissionDenied, signalboxv1.Reason_REASON_CANNOT_MERGE, "not allowed to merge into the target branch"}},
		{repository.ErrCommitNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_COMMIT_NOT_FOUND, "commit not found"}},
		{repository.ErrInvalidRevision, problem{connect.CodeInvalidArgument, signalboxv1.Reason_REASON_INVALID_REVISION, "ref_name is invalid"}},
		{repository.ErrInvalidAuthor, problem{connect.CodeInvalidArgument, signalboxv1.Reason_REASON_INVALID_AUTHOR_PATTERN, "author is invalid"}},
		{repository.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_BRANCH_NOT_FOUND, "branch not found"}},
		{repository.ErrBranchMoved, problem{connect.CodeAborted, signalboxv1.Reason_REASON_TARGET_MOVED, "the target branch moved while merging; try again"}},
		{mergetrain.ErrCarNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_CAR_NOT_FOUND, "the merge request has no merge train car"}},
		{mergetrain.ErrAlreadyAutoMerge, problem{connect.CodeAlreadyExists, signalboxv1.Reason_REASON_ALREADY_AUTO_MERGE, "the merge request is already set to auto-merge"}},
		{mergetrain.ErrTrainsDisabled, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_MERGE_TRAINS_DISABLED, "merge trains are not enabled for this project"}},
		{mergetrain.ErrNoStrategy, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_NO_MERGE_TRAIN_STRATEGY, "the merge request can neither join the train now nor be set to join when checks pass"}},
		{mergetrain.ErrCannotCancel, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_CANNOT_CANCEL_AUTO_MERGE, "the merge request is not set to auto-merge, or its merge has started"}},
		{mergetrain.ErrBusy, problem{connect.CodeUnavailable, signalboxv1.Reason_REASON_UNSPECIFIED, "the merge train is busy; try again"}},
		{pipeline.ErrNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_PIPELINE_NOT_FOUND, "pipeline not found"}},
		{pipeline.ErrCommitNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_COMMIT_NOT_FOUND, "commit not found"}},
		{pipeline.ErrHookNotFound, problem{connect.CodeNotFound, signalboxv1.Reason_REASON_NOT_FOUND, "hook not found"}},
		{lease.ErrBusy, problem{connect.CodeUnavailable, signalboxv1.Reason_REASON_UNSPECIFIED, "the record is busy; try again"}},
		{repository.ErrNeedsRebase, problem{connect.CodeFailedPrecondition, signalboxv1.Reason_REASON_NOT_MERGEABLE, "the source branch must be rebased first"}},
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
	if ce := typedProblem(err); ce != nil {
		return ce
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
	if store.Unreachable(err) {
		// Redis is down or restarting: nothing is wrong with the call, and
		// clients that retry Unavailable (the Go SDK does, for reads) ride
		// the outage out. The REST door answers 503.
		logger.WarnContext(ctx, "store unreachable", "error", err)
		return connect.NewError(connect.CodeUnavailable, "the store is unreachable; try again")
	}
	logger.ErrorContext(ctx, "internal error", "error", err)
	return connect.NewError(connect.CodeInternal, "internal error").WithCause(err)
}

// typedProblem converts the domain errors that carry data.
func typedProblem(err error) *connect.Error {
	var (
		scSha    *statuscheck.ShaMismatchError
		mrSha    *mergerequest.ShaMismatchError
		missing  *mergerequest.BranchMissingError
		exists   *mergerequest.ExistsError
		blocked  *mergerequest.NotMergeableError
		conflict *repository.ConflictError
	)
	switch {
	case errors.As(err, &scSha):
		return shaMismatch(scSha.Head)
	case errors.As(err, &mrSha):
		return shaMismatch(mrSha.Head)
	case errors.As(err, &missing):
		field := "target_branch"
		if missing.Source {
			field = "source_branch"
		}
		return withProblem(connect.NewError(connect.CodeFailedPrecondition, field+" does not exist: "+missing.Branch),
			&signalboxv1.Problem{Reason: signalboxv1.Reason_REASON_BRANCH_NOT_FOUND, Fields: []string{field, missing.Branch}})
	case errors.As(err, &exists):
		return withProblem(connect.NewError(connect.CodeAlreadyExists, "another open merge request exists for this source branch: !"+strconv.FormatInt(exists.IID, 10)),
			&signalboxv1.Problem{Reason: signalboxv1.Reason_REASON_MERGE_REQUEST_EXISTS, Fields: []string{strconv.FormatInt(exists.IID, 10)}})
	case errors.As(err, &blocked):
		return withProblem(connect.NewError(connect.CodeFailedPrecondition, "the merge request cannot merge: "+string(blocked.Status)),
			&signalboxv1.Problem{Reason: signalboxv1.Reason_REASON_NOT_MERGEABLE, Fields: []string{string(blocked.Status)}})
	case errors.As(err, &conflict):
		return withProblem(connect.NewError(connect.CodeFailedPrecondition, "the branches conflict: "+strings.Join(conflict.Paths, ", ")),
			&signalboxv1.Problem{Reason: signalboxv1.Reason_REASON_NOT_MERGEABLE, Fields: append([]string{"conflict"}, conflict.Paths...)})
	}
	return nil
}

// shaMismatch is a sha that is not the merge request's head.
func shaMismatch(head string) *connect.Error {
	return withProblem(connect.NewError(connect.CodeFailedPrecondition, "sha does not match the head of the source branch: "+head),
		&signalboxv1.Problem{Reason: signalboxv1.Reason_REASON_SHA_MISMATCH, HeadSha: head})
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
