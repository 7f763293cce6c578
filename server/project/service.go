// Package project owns projects, their settings, their members and their
// protected branches, and decides what a caller may see of a project.
package project

import (
	"context"
	"errors"
	"log/slog"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/store"
)

// Errors of the project domain.
var (
	// ErrNotFound means the project does not exist or the caller cannot see it.
	ErrNotFound = errors.New("project not found")
	// ErrNamespaceNotFound means the namespace named does not exist.
	ErrNamespaceNotFound = errors.New("namespace not found")
	// ErrMemberExists means the user is already a member.
	ErrMemberExists = errors.New("member already exists")
	// ErrMemberNotFound means the user is not a member.
	ErrMemberNotFound = errors.New("member not found")
	// ErrBranchAlreadyProtected means the name is already protected.
	ErrBranchAlreadyProtected = errors.New("branch already protected")
	// ErrProtectedBranchNotFound means the name is not protected.
	ErrProtectedBranchNotFound = errors.New("protected branch not found")
)

// Defaults of a new project.
const (
	DefaultBranch               = "main"
	DefaultMaxPipelinesPerTrain = 20
)

// CreateHook runs after a project is stored, for example to create its git
// repository. An error is logged and returned to the caller; the project
// stays, so that the hook can be retried by whoever owns it.
type CreateHook func(ctx context.Context, p *storagev1.Project) error

// Service is the project domain.
type Service struct {
	store    store.Store
	clock    clock.Clock
	logger   *slog.Logger
	onCreate []CreateHook
	purger   *Purger
}

// Option configures a Service.
type Option interface{ apply(*Service) }

type optionFunc func(*Service)

func (f optionFunc) apply(s *Service) { f(s) }

// WithCreateHook runs hook after every project is created.
func WithCreateHook(hook CreateHook) Option {
	return optionFunc(func(s *Service) { s.onCreate = append(s.onCreate, hook) })
}

// NewService returns a Service over st.
func NewService(st store.Store, clk clock.Clock, logger *slog.Logger, opts ...Option) *Service {
	s := &Service{store: st, clock: clk, logger: logger}
	for _, o := range opts {
		o.apply(s)
	}
	return s
}
