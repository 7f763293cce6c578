package project

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
)

// ScopeOf is the project as a user sees it when no request is in flight:
// for work done on their behalf later, such as an automatic merge set by
// them, which must still be theirs to do when it happens. A blocked or
// deleted user has no access.
func (s *Service) ScopeOf(ctx context.Context, userID int64, p *storagev1.Project) (*Scope, error) {
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err != nil || u.GetBlocked() {
		return &Scope{Project: p}, nil
	}
	caller := &auth.Principal{UserID: u.GetId(), Username: u.GetUsername(), Admin: u.GetAdmin(), Scopes: []string{"api"}}
	level, err := s.level(ctx, caller, p)
	if err != nil {
		return nil, err
	}
	return &Scope{Project: p, Caller: caller, Level: level}, nil
}
