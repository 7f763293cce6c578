package user

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TokenParams describe a new personal access token.
type TokenParams struct {
	Name      string
	Scopes    []string
	ExpiresAt string // YYYY-MM-DD, or empty
}

// CreateToken issues a token for a user. Administrators only. The secret is
// returned here and never again.
func (s *Service) CreateToken(ctx context.Context, caller *auth.Principal, userID int64, p TokenParams) (*storagev1.Token, string, error) {
	if !caller.Admin {
		return nil, "", auth.ErrForbidden
	}
	if _, err := s.Get(ctx, userID); err != nil {
		return nil, "", err
	}
	secret := auth.NewToken()
	t, err := s.users.CreateToken(ctx, &storagev1.Token{
		UserId:     userID,
		Name:       p.Name,
		Scopes:     p.Scopes,
		ExpiresAt:  p.ExpiresAt,
		CreateTime: timestamppb.New(s.clock.Now()),
	}, auth.HashToken(secret))
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// Expired reports whether a token's expiry date has come.
func (s *Service) Expired(t *storagev1.Token) bool { return s.expired(t.GetExpiresAt()) }
