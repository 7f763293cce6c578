package mergerequest

import (
	"context"
	"errors"
	"slices"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// View is a merge request with what is derived from git and the status
// checks: its mergeability, and the users it names.
type View struct {
	MergeRequest *storagev1.MergeRequest
	Mergeability Mergeability
	Author       *storagev1.User
	MergedBy     *storagev1.User
	// MergeUser merged the merge request, or set it to auto-merge.
	MergeUser *storagev1.User
	ClosedBy  *storagev1.User
	// HeadPipeline is the newest pipeline of the head sha, or nil.
	HeadPipeline *storagev1.Pipeline
	// HeadPipelineUser started the head pipeline.
	HeadPipelineUser *storagev1.User
}

// Get returns one merge request the caller may see.
func (s *Service) Get(ctx context.Context, sc *project.Scope, iid int64) (*View, error) {
	mr, err := s.get(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, sc.Project, mr)
}

// ListParams filter merge requests.
type ListParams struct {
	State                      signalboxv1.MergeRequestState // unspecified for all
	SourceBranch, TargetBranch string
}

// List returns the merge requests the caller may see, newest first.
// Mergeability is not computed for lists (it needs git); List callers get
// it per merge request through Get.
func (s *Service) List(ctx context.Context, sc *project.Scope, p ListParams) ([]*storagev1.MergeRequest, error) {
	if !sc.CanReadMergeRequests() {
		return nil, ErrNotFound
	}
	all, err := s.store.MergeRequests().List(ctx, sc.Project.GetId())
	if err != nil {
		return nil, err
	}
	out := make([]*storagev1.MergeRequest, 0, len(all))
	for _, mr := range all {
		if p.State != signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_UNSPECIFIED && mr.GetState() != int32(p.State) {
			continue
		}
		if p.SourceBranch != "" && mr.GetSourceBranch() != p.SourceBranch {
			continue
		}
		if p.TargetBranch != "" && mr.GetTargetBranch() != p.TargetBranch {
			continue
		}
		out = append(out, mr)
	}
	slices.Reverse(out)
	return out, nil
}

// View adds the derived fields to mr.
func (s *Service) View(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) (*View, error) {
	return s.view(ctx, p, mr)
}

func (s *Service) view(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) (*View, error) {
	m, err := s.mergeability(ctx, p, mr)
	if err != nil {
		return nil, err
	}
	v := &View{MergeRequest: mr, Mergeability: m}
	if v.HeadPipeline, err = s.pipelines.Newest(ctx, p.GetId(), mr.GetHeadSha(), ""); err != nil {
		return nil, err
	}
	if v.HeadPipelineUser, err = s.user(ctx, v.HeadPipeline.GetUserId()); err != nil {
		return nil, err
	}
	if v.Author, err = s.user(ctx, mr.GetAuthorId()); err != nil {
		return nil, err
	}
	if v.MergedBy, err = s.user(ctx, mr.GetMergedById()); err != nil {
		return nil, err
	}
	if v.ClosedBy, err = s.user(ctx, mr.GetClosedById()); err != nil {
		return nil, err
	}
	v.MergeUser = v.MergedBy
	if v.MergeUser == nil {
		if v.MergeUser, err = s.user(ctx, mr.GetMergeUserId()); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// user reads a user, or nil for id 0 or a user since deleted.
func (s *Service) user(ctx context.Context, id int64) (*storagev1.User, error) {
	if id == 0 {
		return nil, nil
	}
	u, err := s.store.Users().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}
