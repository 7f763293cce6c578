package mergerequest

import (
	"context"
	"errors"
	"github.com/signalbox/signalbox/server/repository"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// MergeParams are the options of a merge.
type MergeParams struct {
	// SHA, when set, must be the head of the source branch.
	SHA           *string
	Squash        *bool
	Message       *string
	SquashMessage *string
}

// ShaMismatchError is a sha that is not the head of the source branch.
type ShaMismatchError struct{ Head string }

func (e *ShaMismatchError) Error() string { return "sha does not match the head: " + e.Head }

// Merge lands a merge request with a real git merge, in GitLab's order: the
// caller must be allowed to merge into the target branch, the merge request
// must be mergeable (open, not a draft, no conflicts, rebased when the
// method needs it, status checks passed when required), and a given sha must
// be the head. The target branch moves only if nobody moved it meanwhile.
func (s *Service) Merge(ctx context.Context, sc *project.Scope, iid int64, p MergeParams) (*View, error) {
	var merged *storagev1.MergeRequest
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
	s.logger.InfoContext(ctx, "merge request merged", "project_id", merged.GetProjectId(), "mr_iid", merged.GetIid(),
		"merge_commit_sha", merged.GetMergeCommitSha(), "squash_commit_sha", merged.GetSquashCommitSha())
	s.dispatch(ctx, statuscheck.Change{Project: sc.Project, MergeRequest: merged, ActorID: sc.Caller.UserID, Action: "merge"})
	s.publish(ctx, merged)
	return s.view(ctx, sc.Project, merged)
}

// land builds the commit, moves the target branch to it, and records the
// merge.
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
	if err := repo.MoveBranch(ctx, mr.GetTargetBranch(), landed.SHA, target); err != nil {
		return err
	}
	mr.State = int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED)
	mr.MergeTime = timestamppb.New(now)
	mr.UpdateTime = mr.MergeTime
	mr.MergedById = sc.Caller.UserID
	mr.Squash = squash
	mr.MergeCommitSha = landed.MergeCommitSHA
	mr.SquashCommitSha = landed.SquashCommitSHA
	mr.AutoMergeStrategy = ""
	if err := s.store.MergeRequests().Update(ctx, mr); err != nil {
		return err
	}
	return s.skipTrain(ctx, sc.Project, mr, landed.SHA)
}

// skipTrain records a merge that bypassed the merge request's train ("merge
// immediately") as a skip_merged car. When the project allows skipping the
// train, the car names what landed, so the train knows the push and keeps
// its pipelines; otherwise the train is rebuilt on the new target.
func (s *Service) skipTrain(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, landed string) error {
	car, err := s.store.Cars().ForMergeRequest(ctx, p.GetId(), mr.GetIid())
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !train.State(car.GetState()).Active() {
		return nil
	}
	car.State = int32(train.StateSkipMerged)
	car.MergeTime = timestamppb.New(s.clock.Now())
	// As in GitLab, skipping is for merge-commit trains only: a fast-forward
	// train's tested commits cannot land on a target that moved.
	method := signalboxv1.MergeMethod(p.GetSettings().GetMergeMethod())
	if p.GetSettings().GetMergeTrainsSkipTrainAllowed() && method == signalboxv1.MergeMethod_MERGE_METHOD_MERGE {
		car.MergeSha = landed
	}
	if err := s.store.Cars().Update(ctx, car); err != nil {
		return err
	}
	return s.store.Cars().MarkDirty(ctx, p.GetId(), car.GetTargetBranch())
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
