package pipeline

import (
	"context"
	"errors"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// HookParams describe a new project hook.
type HookParams struct {
	URL                                      string
	PipelineEvents, MergeRequestEvents, Push bool
	// Token is sent as X-Gitlab-Token and keys the signatures; it is sealed
	// at rest, as status check secrets are, and never returned.
	Token                 string
	EnableSSLVerification bool
}

// CreateHook adds a webhook. Maintainers and above.
func (s *Service) CreateHook(ctx context.Context, sc *project.Scope, p HookParams) (*storagev1.ProjectHook, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	h := &storagev1.ProjectHook{
		ProjectId: sc.Project.GetId(), Url: p.URL, PipelineEvents: p.PipelineEvents,
		MergeRequestsEvents: p.MergeRequestEvents, PushEvents: p.Push,
		EnableSslVerification: p.EnableSSLVerification, CreateTime: timestamppb.New(s.clock.Now()),
	}
	if p.Token != "" {
		sealed, err := s.box.Seal([]byte(p.Token), HookTokenContext(sc.Project.GetId()))
		if err != nil {
			return nil, err
		}
		h.SealedToken = sealed
	}
	return s.store.Hooks().Create(ctx, h)
}

// ListHooks returns the project's webhooks. Maintainers and above.
func (s *Service) ListHooks(ctx context.Context, sc *project.Scope) ([]*storagev1.ProjectHook, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	return s.store.Hooks().List(ctx, sc.Project.GetId())
}

// DeleteHook removes a webhook. Maintainers and above.
func (s *Service) DeleteHook(ctx context.Context, sc *project.Scope, id int64) error {
	if err := sc.Require(auth.Maintainer); err != nil {
		return err
	}
	err := s.store.Hooks().Delete(ctx, sc.Project.GetId(), id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrHookNotFound
	}
	return err
}

// HookToken opens a hook's token; empty when it has none.
func (s *Service) HookToken(h *storagev1.ProjectHook) (string, error) {
	if len(h.GetSealedToken()) == 0 {
		return "", nil
	}
	plain, err := s.box.Open(h.GetSealedToken(), HookTokenContext(h.GetProjectId()))
	return string(plain), err
}

// HookTokenContext binds a sealed hook token to its project.
func HookTokenContext(projectID int64) string {
	return "signalbox.project_hook.token:project=" + strconv.FormatInt(projectID, 10)
}
