package pipeline

import (
	"context"
	"errors"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/conditional"
	"github.com/signalbox/signalbox/server/lease"
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

// DeleteHook removes a webhook. Maintainers and above. It holds the
// hook's lease, as UpdateHook does, so an update cannot bring it back.
func (s *Service) DeleteHook(ctx context.Context, sc *project.Scope, id int64) error {
	if err := sc.Require(auth.Maintainer); err != nil {
		return err
	}
	return s.hookLocked(ctx, sc.Project.GetId(), id, func() error {
		h, err := s.store.Hooks().Get(ctx, sc.Project.GetId(), id)
		if err == nil {
			err = conditional.Check(ctx, conditional.Latest(h.GetCreateTime()))
		}
		if err == nil {
			err = s.store.Hooks().Delete(ctx, sc.Project.GetId(), id)
		}
		if errors.Is(err, store.ErrNotFound) {
			return ErrHookNotFound
		}
		return err
	})
}

// GetHook returns one webhook. Maintainers and above.
func (s *Service) GetHook(ctx context.Context, sc *project.Scope, id int64) (*storagev1.ProjectHook, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	h, err := s.store.Hooks().Get(ctx, sc.Project.GetId(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrHookNotFound
	}
	return h, err
}

// HookUpdate is what to change in a hook; nil leaves a field alone.
type HookUpdate struct {
	URL                                      string
	PipelineEvents, MergeRequestEvents, Push *bool
	Token                                    *string
	EnableSSLVerification                    *bool
}

// UpdateHook changes a webhook, under the hook's lease (the hook's one
// writer at a time). Maintainers and above.
func (s *Service) UpdateHook(ctx context.Context, sc *project.Scope, id int64, p HookUpdate) (*storagev1.ProjectHook, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	var out *storagev1.ProjectHook
	err := s.hookLocked(ctx, sc.Project.GetId(), id, func() error {
		h, err := s.GetHook(ctx, sc, id)
		if err != nil {
			return err
		}
		h.Url = p.URL
		for _, f := range []struct {
			src *bool
			dst *bool
		}{{p.PipelineEvents, &h.PipelineEvents}, {p.MergeRequestEvents, &h.MergeRequestsEvents}, {p.Push, &h.PushEvents}, {p.EnableSSLVerification, &h.EnableSslVerification}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if p.Token != nil {
			h.SealedToken = nil
			if *p.Token != "" {
				if h.SealedToken, err = s.box.Seal([]byte(*p.Token), HookTokenContext(sc.Project.GetId())); err != nil {
					return err
				}
			}
		}
		if err := s.store.Hooks().Update(ctx, h); errors.Is(err, store.ErrNotFound) {
			return ErrHookNotFound
		} else if err != nil {
			return err
		}
		out = h
		return nil
	})
	return out, err
}

// hookLeaseTTL bounds one change to a hook.
const hookLeaseTTL = 10 * time.Second

func (s *Service) hookLocked(ctx context.Context, pid, id int64, f func() error) error {
	name := "hook:" + strconv.FormatInt(pid, 10) + ":" + strconv.FormatInt(id, 10)
	return lease.Hold(ctx, s.store.Leases(), name, s.holder.Next(), hookLeaseTTL, f)
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
