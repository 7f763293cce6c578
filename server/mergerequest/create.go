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

// CreateParams describe a new merge request.
type CreateParams struct {
	SourceBranch, TargetBranch string
	Title, Description         string
	Squash                     bool
}

// Create opens a merge request from one branch of the project into another
// and asks every applicable status check about it. Developers and above.
func (s *Service) Create(ctx context.Context, sc *project.Scope, p CreateParams) (*View, error) {
	if err := sc.Require(auth.Developer); err != nil {
		return nil, err
	}
	if p.SourceBranch == p.TargetBranch {
		return nil, ErrSameBranch
	}
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return nil, err
	}
	branches, err := repo.Branches(ctx)
	if err != nil {
		return nil, err
	}
	head, ok := branches[p.SourceBranch]
	if !ok {
		return nil, &BranchMissingError{Branch: p.SourceBranch, Source: true}
	}
	start, ok := branches[p.TargetBranch]
	if !ok {
		return nil, &BranchMissingError{Branch: p.TargetBranch}
	}
	if err := s.requireNoTwin(ctx, sc.Project.GetId(), 0, p.SourceBranch, p.TargetBranch); err != nil {
		return nil, err
	}
	now := timestamppb.New(s.clock.Now())
	opened := &storagev1.MergeRequest{
		ProjectId:    sc.Project.GetId(),
		Title:        p.Title,
		Description:  p.Description,
		SourceBranch: p.SourceBranch,
		TargetBranch: p.TargetBranch,
		AuthorId:     sc.Caller.UserID,
		State:        int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED),
		Draft:        IsDraftTitle(p.Title),
		HeadSha:      head,
		StartSha:     start,
		Squash:       p.Squash,
		CreateTime:   now,
		UpdateTime:   now,
	}
	// The dispatch's questions to git, while the merge base is asked.
	readAhead := s.readAhead(ctx, sc.Project, repo, opened)
	defer readAhead()
	if opened.BaseSha, err = repo.MergeBase(ctx, start, head); err != nil {
		return nil, err
	}
	mr, err := s.store.MergeRequests().Create(ctx, opened)
	if err != nil {
		return nil, err
	}
	readAhead()
	s.logger.InfoContext(ctx, "merge request opened", "project_id", mr.GetProjectId(), "mr_iid", mr.GetIid(), "sha", head)
	s.dispatch(ctx, statuscheck.Change{Project: sc.Project, MergeRequest: mr, ActorID: sc.Caller.UserID, Action: "open", NewHead: true})
	s.publish(ctx, mr)
	return s.view(ctx, sc.Project, mr)
}

// requireNoTwin refuses a second open merge request with the same branches.
func (s *Service) requireNoTwin(ctx context.Context, pid, self int64, source, target string) error {
	all, err := s.store.MergeRequests().List(ctx, pid)
	if err != nil {
		return err
	}
	for _, other := range all {
		if other.GetIid() != self && other.GetSourceBranch() == source && other.GetTargetBranch() == target &&
			other.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED) {
			return &ExistsError{IID: other.GetIid()}
		}
	}
	return nil
}
