package mergerequest

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// MergeParams are the options of a merge.
type MergeParams struct {
	// SHA, when set, must be the head of the source branch.
	SHA           *string
	Squash        *bool
	Message       *string
	SquashMessage *string
	// AutoMerge asks to merge once the head pipeline and every required
	// check have passed, when they have not yet (GitLab's auto_merge and
	// merge_when_pipeline_succeeds).
	AutoMerge bool
}

// ShaMismatchError is a sha that is not the head of the source branch.
type ShaMismatchError struct{ Head string }

func (e *ShaMismatchError) Error() string { return "sha does not match the head: " + e.Head }

// Merge lands a merge request with a real git merge, in GitLab's order: the
// caller must be allowed to merge into the target branch, the merge request
// must be mergeable (open, not a draft, no conflicts, rebased when the
// method needs it, status checks passed when required), and a given sha must
// be the head. The target branch moves only if nobody moved it meanwhile.
//
// With AutoMerge, a merge request whose head pipeline is still running, or
// that waits only for something that may yet pass (a pipeline, status
// checks, its draft status), is set to merge when they have instead, and
// stays open (see MergeWhenReady).
func (s *Service) Merge(ctx context.Context, sc *project.Scope, iid int64, p MergeParams) (*View, error) {
	var merged, armed *storagev1.MergeRequest
	err := s.locked(ctx, sc.Project.GetId(), iid, func() error {
		mr, err := s.get(ctx, sc, iid)
		if err != nil {
			return err
		}
		if err := s.requireMergeAccess(ctx, sc, mr.GetTargetBranch()); err != nil {
			return err
		}
		m, err := s.mergeability(ctx, sc.Project, mr)
		if err != nil {
			return err
		}
		if p.AutoMerge {
			wait, err := s.mayWait(ctx, sc.Project, mr, m)
			if err != nil {
				return err
			}
			if wait {
				if p.SHA != nil && *p.SHA != mr.GetHeadSha() {
					return &ShaMismatchError{Head: mr.GetHeadSha()}
				}
				armed = mr
				return s.arm(ctx, sc, mr, p)
			}
		}
		if m.Status != StatusMergeable {
			return &NotMergeableError{Status: m.Status}
		}
		if p.SHA != nil && *p.SHA != mr.GetHeadSha() {
			return &ShaMismatchError{Head: mr.GetHeadSha()}
		}
		if err := s.land(ctx, sc, mr, p); err != nil {
			return err
		}
		merged = mr
		return nil
	})
	if err != nil {
		return nil, err
	}
	if armed != nil {
		s.publish(ctx, armed)
		return s.view(ctx, sc.Project, armed)
	}
	s.logger.InfoContext(ctx, "merge request merged", "project_id", merged.GetProjectId(), "mr_iid", merged.GetIid(),
		"merge_commit_sha", merged.GetMergeCommitSha(), "squash_commit_sha", merged.GetSquashCommitSha())
	s.dispatch(ctx, statuscheck.Change{Project: sc.Project, MergeRequest: merged, ActorID: sc.Caller.UserID, Action: "merge"})
	s.publish(ctx, merged)
	return s.view(ctx, sc.Project, merged)
}

// land builds the commit, moves the target branch to it, and records the
// merge. Where the target goes is written on the merge request before it
// moves, so that a merge train seeing the target there knows the push.
func (s *Service) land(ctx context.Context, sc *project.Scope, mr *storagev1.MergeRequest, p MergeParams) error {
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return err
	}
	branches, err := repo.Branches(ctx)
	if err != nil {
		return err
	}
	target := branches[mr.GetTargetBranch()]
	squash := mr.GetSquash()
	if p.Squash != nil {
		squash = *p.Squash
	}
	merger, err := s.store.Users().Get(ctx, sc.Caller.UserID)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	method := mergeMethodName(signalboxv1.MergeMethod(sc.Project.GetSettings().GetMergeMethod()))
	spec := repository.MergeSpec{
		Target: target, Source: mr.GetHeadSha(), Method: method, Squash: squash,
		SourceBranch: mr.GetSourceBranch(), TargetBranch: mr.GetTargetBranch(), Title: mr.GetTitle(),
		ProjectPath: sc.Project.GetNamespacePath() + "/" + sc.Project.GetPath(), IID: mr.GetIid(),
		AuthorName: merger.GetName(), AuthorEmail: merger.GetEmail(), Time: now,
	}
	if p.Message != nil && *p.Message != "" {
		spec.Message = *p.Message
	}
	if p.SquashMessage != nil && *p.SquashMessage != "" {
		spec.SquashMessage = *p.SquashMessage
	}
	landed, err := repo.BuildMerge(ctx, spec)
	if err != nil {
		return err
	}
	mr.LandingSha, mr.LandingFrom = landed.SHA, target
	if err := s.store.MergeRequests().Update(ctx, mr); err != nil {
		return err
	}
	if err := repo.MoveBranch(ctx, mr.GetTargetBranch(), landed.SHA, target); err != nil {
		mr.LandingSha, mr.LandingFrom = "", ""
		if undo := s.store.MergeRequests().Update(context.WithoutCancel(ctx), mr); undo != nil {
			// Harmless: the target is not at that commit, so no train
			// takes it for this merge.
			s.logger.WarnContext(ctx, "clear the landing of a merge that did not happen", "project_id", mr.GetProjectId(), "mr_iid", mr.GetIid(), "error", undo)
		}
		return err
	}
	mr.State = int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED)
	mr.MergeTime = timestamppb.New(now)
	mr.UpdateTime = mr.MergeTime
	mr.MergedById = sc.Caller.UserID
	mr.Squash = squash
	mr.MergeCommitSha = landed.MergeCommitSHA
	mr.SquashCommitSha = landed.SquashCommitSHA
	clearAutoMerge(mr)
	return s.store.MergeRequests().Update(ctx, mr)
}

// requireMergeAccess is GitLab's can_be_merged_by: developers may merge into
// unprotected branches; a protected branch allows whoever its merge access
// level names.
func (s *Service) requireMergeAccess(ctx context.Context, sc *project.Scope, target string) error {
	protections, err := s.store.ProtectedBranches().List(ctx, sc.Project.GetId())
	if err != nil {
		return err
	}
	if !project.NewBranchRules(protections).CanMerge(sc.Level, target) {
		return ErrCannotMerge
	}
	return nil
}

func mergeMethodName(m signalboxv1.MergeMethod) string {
	switch m {
	case signalboxv1.MergeMethod_MERGE_METHOD_REBASE_MERGE:
		return "rebase_merge"
	case signalboxv1.MergeMethod_MERGE_METHOD_FF:
		return "ff"
	}
	return "merge"
}

// IsConflict reports whether err is a merge conflict.
func IsConflict(err error) bool {
	var ce *repository.ConflictError
	return errors.As(err, &ce)
}
