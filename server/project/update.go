package project

import (
	"context"
	"errors"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
)

// UpdateParams are the project fields to change; nil leaves a field alone.
type UpdateParams struct {
	Name          *string
	Description   *string
	Visibility    *signalboxv1.Visibility
	DefaultBranch *string
	Settings      *signalboxv1.ProjectSettingsPatch
}

// Update changes a project. Maintainers and above; only owners may change
// its visibility, as in GitLab.
func (s *Service) Update(ctx context.Context, sc *Scope, p UpdateParams) (*storagev1.Project, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	if p.Visibility != nil && int32(*p.Visibility) != sc.Project.GetVisibility() {
		if err := sc.Require(auth.Owner); err != nil {
			return nil, err
		}
	}
	updated := proto.CloneOf(sc.Project)
	if p.Name != nil {
		updated.Name = *p.Name
	}
	if p.Description != nil {
		updated.Description = *p.Description
	}
	if p.Visibility != nil {
		updated.Visibility = int32(*p.Visibility)
	}
	if p.DefaultBranch != nil {
		updated.DefaultBranch = *p.DefaultBranch
	}
	if updated.Settings == nil {
		updated.Settings = &storagev1.ProjectSettings{}
	}
	applySettings(updated.Settings, p.Settings)
	updated.LastActivityTime = timestamppb.New(s.clock.Now())
	if err := s.store.Projects().Update(ctx, sc.Project, updated); err != nil {
		return nil, err
	}
	return updated, nil
}

// List returns the projects the caller can see, by id, optionally only
// those they are a member of.
func (s *Service) List(ctx context.Context, caller *auth.Principal, membership bool) ([]*storagev1.Project, error) {
	var ids []int64
	var err error
	if membership && caller != nil {
		ids, err = s.store.Members().ProjectIDs(ctx, caller.UserID)
	} else {
		ids, err = s.store.Projects().IDs(ctx)
	}
	if err != nil {
		return nil, err
	}
	out := make([]*storagev1.Project, 0, len(ids))
	for _, id := range ids {
		p, err := s.store.Projects().Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted between the two reads
		}
		if err != nil {
			return nil, err
		}
		level, err := s.level(ctx, caller, p)
		if err != nil {
			return nil, err
		}
		if canRead(caller, p, level) {
			out = append(out, p)
		}
	}
	return out, nil
}
