package user

import (
	"context"
	"errors"

	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
)

// dateLayout is how token and membership expiry dates are written.
const dateLayout = "2006-01-02"

// Authenticate turns a personal access token into the Principal it belongs
// to. Unknown, revoked and expired tokens, and tokens of blocked users, all
// give auth.ErrUnauthenticated: the caller learns nothing about which.
func (s *Service) Authenticate(ctx context.Context, token string) (*auth.Principal, error) {
	t, err := s.users.TokenByHash(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, auth.ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	if t.GetRevoked() || s.expired(t.GetExpiresAt()) {
		return nil, auth.ErrUnauthenticated
	}
	u, err := s.users.Get(ctx, t.GetUserId())
	if errors.Is(err, store.ErrNotFound) {
		return nil, auth.ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	if u.GetBlocked() {
		return nil, auth.ErrUnauthenticated
	}
	return &auth.Principal{UserID: u.GetId(), Username: u.GetUsername(), Admin: u.GetAdmin(), Scopes: t.GetScopes()}, nil
}

// expired reports whether a YYYY-MM-DD expiry date has come: a token stops
// working at the start of its expiry day, UTC, as GitLab's do.
func (s *Service) expired(expiresAt string) bool {
	return expiresAt != "" && s.clock.Now().UTC().Format(dateLayout) >= expiresAt
}
