package mergerequest

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
)

var (
	// ErrCannotApprove is an approval by a user who already approved, or of
	// a merge request that is not open: GitLab's can_approve? is false.
	ErrCannotApprove = errors.New("you cannot approve this merge request")
	// ErrNotApproved is an unapproval by a user who has not approved.
	ErrNotApproved = errors.New("you have not approved this merge request")
)

// Approvals is who approved a merge request, as one caller sees it.
// Signalbox has no approval rules, so one approval approves.
type Approvals struct {
	MergeRequest *storagev1.MergeRequest
	// ApprovedBy is in the order of approval; a user since deleted is left
	// out.
	ApprovedBy      []Approver
	UserHasApproved bool
	UserCanApprove  bool
}

// Approver is one approval and its user.
type Approver struct {
	User     *storagev1.User
	Approval *storagev1.MergeRequestApproval
}

// Approve records the caller's approval and tells the status checks, as
// GitLab's approval hook does (action "approved"). GitLab's order: a caller
// below Reporter (who may not approve_merge_request) is refused as
// forbidden; a sha that is not the head is a mismatch; then a user who
// already approved, or a merge request that is not open, cannot approve.
func (s *Service) Approve(ctx context.Context, sc *project.Scope, iid int64, sha *string) (*Approvals, error) {
	var approved *storagev1.MergeRequest
	err := s.locked(ctx, sc.Project.GetId(), iid, func() error {
		mr, err := s.getToApprove(ctx, sc, iid)
		if err != nil {
			return err
		}
		if sha != nil && *sha != mr.GetHeadSha() {
			return &ShaMismatchError{Head: mr.GetHeadSha()}
		}
		if !canApprove(sc, mr) {
			return ErrCannotApprove
		}
		mr.Approvals = append(mr.Approvals, &storagev1.MergeRequestApproval{
			UserId: sc.Caller.UserID, CreateTime: timestamppb.New(s.clock.Now()),
		})
		if err := s.store.MergeRequests().Update(ctx, mr); err != nil {
			return err
		}
		approved = mr
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.dispatch(ctx, statuscheck.Change{Project: sc.Project, MergeRequest: approved, ActorID: sc.Caller.UserID, Action: statuscheck.ActionApproved})
	s.publish(ctx, approved)
	return s.approvals(ctx, sc, approved)
}

// Unapprove withdraws the caller's approval and tells the status checks
// (action "unapproved"). ErrNotApproved when the caller has not approved.
func (s *Service) Unapprove(ctx context.Context, sc *project.Scope, iid int64) (*Approvals, error) {
	var unapproved *storagev1.MergeRequest
	err := s.locked(ctx, sc.Project.GetId(), iid, func() error {
		mr, err := s.getToApprove(ctx, sc, iid)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(mr.GetApprovals(), func(a *storagev1.MergeRequestApproval) bool {
			return a.GetUserId() == sc.Caller.UserID
		})
		if i < 0 {
			return ErrNotApproved
		}
		mr.Approvals = slices.Delete(mr.Approvals, i, i+1)
		if err := s.store.MergeRequests().Update(ctx, mr); err != nil {
			return err
		}
		unapproved = mr
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.dispatch(ctx, statuscheck.Change{Project: sc.Project, MergeRequest: unapproved, ActorID: sc.Caller.UserID, Action: statuscheck.ActionUnapproved})
	s.publish(ctx, unapproved)
	return s.approvals(ctx, sc, unapproved)
}

// GetApprovals returns who approved a merge request the caller may read.
func (s *Service) GetApprovals(ctx context.Context, sc *project.Scope, iid int64) (*Approvals, error) {
	mr, err := s.get(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	return s.approvals(ctx, sc, mr)
}

// getToApprove reads a merge request the caller may approve: GitLab's
// approve_merge_request, reporters and above.
func (s *Service) getToApprove(ctx context.Context, sc *project.Scope, iid int64) (*storagev1.MergeRequest, error) {
	if sc.Caller == nil {
		return nil, auth.ErrUnauthenticated
	}
	mr, err := s.get(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	if sc.Level < auth.Reporter {
		return nil, auth.ErrForbidden
	}
	return mr, nil
}

// canApprove is GitLab's can_approve?: an open merge request, a reporter or
// above who has not approved it yet.
func canApprove(sc *project.Scope, mr *storagev1.MergeRequest) bool {
	return sc.Caller != nil && sc.Level >= auth.Reporter &&
		mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED) &&
		!hasApproved(mr, sc.Caller.UserID)
}

func hasApproved(mr *storagev1.MergeRequest, userID int64) bool {
	return slices.ContainsFunc(mr.GetApprovals(), func(a *storagev1.MergeRequestApproval) bool { return a.GetUserId() == userID })
}

func (s *Service) approvals(ctx context.Context, sc *project.Scope, mr *storagev1.MergeRequest) (*Approvals, error) {
	out := &Approvals{MergeRequest: mr, UserCanApprove: canApprove(sc, mr)}
	if sc.Caller != nil {
		out.UserHasApproved = hasApproved(mr, sc.Caller.UserID)
	}
	for _, a := range mr.GetApprovals() {
		u, err := s.user(ctx, a.GetUserId())
		if err != nil {
			return nil, err
		}
		if u != nil {
			out.ApprovedBy = append(out.ApprovedBy, Approver{User: u, Approval: a})
		}
	}
	return out, nil
}
