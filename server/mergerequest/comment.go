package mergerequest

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// Comment is a user's note and what it is on.
type Comment struct {
	Note         *storagev1.Note
	Author       *storagev1.User
	MergeRequest *storagev1.MergeRequest
}

// Comment writes a user's note on a merge request and tells its status
// checks: a comment is one of the events the status check documentation
// says a check hears of (seed 004), so a service that is waiting for a
// human's word can look again. Whoever may read the merge request, signed
// in, may comment, as in GitLab.
func (s *Service) Comment(ctx context.Context, sc *project.Scope, iid int64, body string) (*Comment, error) {
	if sc.Caller == nil {
		return nil, auth.ErrUnauthenticated
	}
	mr, err := s.get(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	author, err := s.user(ctx, sc.Caller.UserID)
	if err != nil {
		return nil, err
	}
	n, err := s.store.Notes().Add(ctx, &storagev1.Note{
		ProjectId: mr.GetProjectId(), MergeRequestIid: mr.GetIid(), AuthorId: sc.Caller.UserID, Body: body,
		CreateTime: timestamppb.New(s.clock.Now()),
	}, "")
	if err != nil {
		return nil, err
	}
	if mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED) {
		s.dispatch(ctx, statuscheck.Change{Project: sc.Project, MergeRequest: mr, ActorID: sc.Caller.UserID, Action: statuscheck.ActionComment})
	}
	return &Comment{Note: n, Author: author, MergeRequest: mr}, nil
}
