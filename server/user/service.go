// Package user owns users and personal access tokens: creating them,
// bootstrapping the root administrator, and turning a token into a
// Principal.
package user

import (
	"errors"
	"log/slog"

	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/store"
)

// ErrNotFound means no user has the id or username given.
var ErrNotFound = errors.New("user not found")

// ErrExpiryInPast means a new token's expiry date is today or earlier, so it
// would never work.
var ErrExpiryInPast = errors.New("the expiry date must be in the future")

// RootUsername is the administrator every instance starts with, as on a
// fresh GitLab.
const RootUsername = "root"

// Service is the user domain.
type Service struct {
	users  store.Users
	clock  clock.Clock
	logger *slog.Logger
}

// NewService returns a Service over the user store.
func NewService(users store.Users, clk clock.Clock, logger *slog.Logger) *Service {
	return &Service{users: users, clock: clk, logger: logger}
}
