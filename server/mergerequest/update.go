package mergerequest

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// UpdateParams are the fields to change; nil leaves a field alone.
type UpdateParams struct {
	Title, Description, TargetBranch *string
	StateEvent                       signalboxv1.StateEvent
}

// Update changes a merge request, closes it or reopens it, and tells the
// status checks. Developers and above, or its author.
func (s *Service) Update(ctx context.Context, sc *project.Scope, iid int64, p UpdateParams) (*View, error) {
	var updated *storagev1.MergeRequest
	var action string
	var changes []statuscheck.AttributeChange
	err := s.locked(ctx, sc.Project.GetId(), iid, func() error {
		mr, err := s.get(ctx, sc, iid)
		if err != nil {
			return err
		}
		if sc.Level < auth.Developer && mr.GetAuthorId() != sc.Caller.UserID {
			return auth.ErrForbidden
		}
		before := proto.CloneOf(mr)
		action, err = s.apply(ctx, sc, mr, p)
		if err != nil {
			return err
		}
		changes = attributeChanges(before, mr)
		updated = mr
		return nil
	})
	if err != nil {
		return nil, err
	}
	if action != "" {
		s.dispatch(ctx, statuscheck.Change{Project: sc.Project, MergeRequest: updated, ActorID: sc.Caller.UserID, Action: action, Changes: changes})
		s.publish(ctx, updated)
	}
	return s.view(ctx, sc.Project, updated)
}

// apply changes mr as p says and stores it, returning the webhook action
// ("update", "close", "reopen") or "" when nothing changed.
func (s *Service) apply(ctx context.Context, sc *project.Scope, mr *storagev1.MergeRequest, p UpdateParams) (string, error) {
	now := timestamppb.New(s.clock.Now())
	action := ""
	p0title, p0description := mr.GetTitle(), mr.GetDescription()
	opened := int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED)
	closed := int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_CLOSED)
	if p.Title != nil && *p.Title != mr.GetTitle() {
		mr.Title = *p.Title
		mr.Draft = IsDraftTitle(*p.Title)
		action = "update"
	}
	if p.Description != nil && *p.Description != mr.GetDescription() {
		mr.Description = *p.Description
		action = "update"
	}
	if p.TargetBranch != nil && *p.TargetBranch != mr.GetTargetBranch() {
		if err := s.retarget(ctx, sc, mr, *p.TargetBranch); err != nil {
			return "", err
		}
		action = "update"
	}
	switch p.StateEvent {
	case signalboxv1.StateEvent_STATE_EVENT_CLOSE:
		if mr.GetState() == opened {
			mr.State = closed
			mr.CloseTime = now
			mr.ClosedById = sc.Caller.UserID
			action = "close"
		}
	case signalboxv1.StateEvent_STATE_EVENT_REOPEN:
		switch mr.GetState() {
		case closed:
			if err := s.requireNoTwin(ctx, mr.GetProjectId(), mr.GetIid(), mr.GetSourceBranch(), mr.GetTargetBranch()); err != nil {
				return "", err
			}
			mr.State = opened
			mr.CloseTime = nil
			mr.ClosedById = 0
			action = "reopen"
		}
		// Reopening an open or merged merge request does nothing, as in
		// GitLab, whose state machine refuses the transition quietly.
	}
	if action == "" {
		return "", nil
	}
	if mr.GetTitle() != p0title || mr.GetDescription() != p0description {
		mr.LastEditTime = now
		mr.LastEditedById = sc.Caller.UserID
	}
	mr.UpdateTime = now
	mr.UpdatedById = sc.Caller.UserID
	return action, s.store.MergeRequests().Update(ctx, mr)
}

// retarget points mr at another target branch, which must exist.
func (s *Service) retarget(ctx context.Context, sc *project.Scope, mr *storagev1.MergeRequest, target string) error {
	if target == mr.GetSourceBranch() {
		return ErrSameBranch
	}
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return err
	}
	branches, err := repo.Branches(ctx)
	if err != nil {
		return err
	}
	start, ok := branches[target]
	if !ok {
		return &BranchMissingError{Branch: target}
	}
	if err := s.requireNoTwin(ctx, mr.GetProjectId(), mr.GetIid(), mr.GetSourceBranch(), target); err != nil {
		return err
	}
	base, err := repo.MergeBase(ctx, start, mr.GetHeadSha())
	if err != nil {
		return err
	}
	mr.TargetBranch, mr.StartSha, mr.BaseSha = target, start, base
	return nil
}
