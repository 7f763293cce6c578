package user

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
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
	// A token that would be born expired is a mistake, not a request: GitLab
	// refuses it too.
	if p.ExpiresAt != "" && s.expired(p.ExpiresAt) {
		return nil, "", ErrExpiryInPast
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

// RevokeToken revokes the token given, so that it stops working at once:
// every request, and every open watch stream at its next check, is refused.
// An unknown token is auth.ErrUnauthenticated.
func (s *Service) RevokeToken(ctx context.Context, token string) error {
	if token == "" {
		return auth.ErrUnauthenticated
	}
	hash := auth.HashToken(token)
	if _, err := s.users.TokenByHash(ctx, hash); errors.Is(err, store.ErrNotFound) {
		return auth.ErrUnauthenticated
	} else if err != nil {
		return err
	}
	if err := s.users.RevokeToken(ctx, hash); err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "personal access token revoked by its holder")
	return nil
}
