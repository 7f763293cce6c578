package user

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// CreateParams describe a new user.
type CreateParams struct {
	Username string
	Name     string
	Email    string
	Admin    bool
	Bot      bool
}

// Create adds a user. Administrators only. A used username or email gives a
// *store.TakenError.
func (s *Service) Create(ctx context.Context, caller *auth.Principal, p CreateParams) (*storagev1.User, error) {
	if !caller.Admin {
		return nil, auth.ErrForbidden
	}
	return s.users.Create(ctx, &storagev1.User{
		Username:   p.Username,
		Name:       p.Name,
		Email:      p.Email,
		Admin:      p.Admin,
		Bot:        p.Bot,
		CreateTime: timestamppb.New(s.clock.Now()),
	})
}

// Get returns a user. Any signed-in caller may read any user.
func (s *Service) Get(ctx context.Context, id int64) (*storagev1.User, error) {
	u, err := s.users.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return u, err
}
