package mergerequest

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
)

// mayWait reports whether a merge request asked to auto-merge should wait
// rather than merge or be refused: its head pipeline has not finished, or
// all that stops it may still pass by itself (a pipeline, status checks,
// its draft status). A conflict, a missing branch or a needed rebase does
// not pass by waiting.
func (s *Service) mayWait(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, m Mergeability) (bool, error) {
	switch m.Status {
	case StatusCIMustPass, StatusCIStillRunning, StatusStatusChecksMustPass, StatusDraft:
		return true, nil
	case StatusMergeable:
		pl, err := s.pipelines.Newest(ctx, p.GetId(), mr.GetHeadSha(), "")
		if err != nil || pl == nil {
			return false, err
		}
		return !pipeline.Complete(pipeline.Status(pl.GetStatus())), nil
	}
	return false, nil
}

// arm sets mr, held under its lease, to merge when its checks pass.
func (s *Service) arm(ctx context.Context, sc *project.Scope, mr *storagev1.MergeRequest, p MergeParams) error {
	if mr.GetAutoMergeStrategy() != "" {
		return nil // already set: GitLab keeps it and answers as for a new one
	}
	mr.AutoMergeStrategy, mr.MergeUserId, mr.AutoMergeSha = StrategyWhenChecksPass, sc.Caller.UserID, mr.GetHeadSha()
	if p.Squash != nil {
		mr.Squash = *p.Squash
	}
	if err := s.store.MergeRequests().Update(ctx, mr); err != nil {
		return err
	}
	s.notes.System(ctx, mr.GetProjectId(), mr.GetIid(), sc.Caller.UserID,
		"enabled an automatic merge when all merge checks for "+mr.GetHeadSha()+" pass", "")
	return nil
}

// MergeWhenReady merges a merge request set to merge when its checks pass,
// once they have: its head pipeline (if any) succeeded and it is mergeable.
// The merge is done as the user who set it, with that user's rights then.
// A push to its source branch, closing it, or its user losing the right to
// merge disarms it, with GitLab's note. Anything else waits.
func (s *Service) MergeWhenReady(ctx context.Context, p *storagev1.Project, iid int64) error {
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), iid)
	if err != nil || mr.GetAutoMergeStrategy() != StrategyWhenChecksPass {
		return err
	}
	switch {
	case mr.GetState() == int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_CLOSED):
		return s.abortAutoMerge(ctx, p, mr, "merge request was closed")
	case mr.GetState() != int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED):
		return nil
	case mr.GetHeadSha() != mr.GetAutoMergeSha():
		return s.abortAutoMerge(ctx, p, mr, "source branch was updated")
	}
	pl, err := s.pipelines.Newest(ctx, p.GetId(), mr.GetHeadSha(), "")
	if err != nil {
		return err
	}
	if pl != nil && pipeline.Status(pl.GetStatus()) != pipeline.Success && pipeline.Status(pl.GetStatus()) != pipeline.Skipped {
		return nil // running, or failed: a retried job may still pass
	}
	sc, err := s.scopes.ScopeOf(ctx, mr.GetMergeUserId(), p)
	if err != nil {
		return err
	}
	sha, squash := mr.GetAutoMergeSha(), mr.GetSquash()
	_, err = s.Merge(ctx, sc, iid, MergeParams{SHA: &sha, Squash: &squash})
	var notMergeable *NotMergeableError
	var moved *ShaMismatchError
	switch {
	case errors.Is(err, ErrCannotMerge), errors.Is(err, ErrNotFound):
		return s.abortAutoMerge(ctx, p, mr, "the user who set it can no longer merge")
	case errors.As(err, &notMergeable):
		return nil // waits for its checks
	case errors.As(err, &moved):
		return nil // the next look disarms it
	}
	return err
}

// abortAutoMerge disarms a merge request's auto-merge, saying why in
// GitLab's words.
func (s *Service) abortAutoMerge(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, reason string) error {
	cleared, err := s.ClearAutoMerge(ctx, p, mr.GetIid(), StrategyWhenChecksPass, 0, nil)
	if err != nil || !cleared {
		return err
	}
	s.notes.System(ctx, p.GetId(), mr.GetIid(), mr.GetMergeUserId(), "aborted the automatic merge because "+reason, "")
	return nil
}
