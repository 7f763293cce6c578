// Package statuscheck owns external status checks: configuring them (one file
// per verb), and, with the merge-request lifecycle, their responses.
package statuscheck

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"buf.build/go/protovalidate"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/crashpoint"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/secret"
	"github.com/signalbox/signalbox/server/store"
)

// Errors of the status check domain.
var (
	// ErrNotFound means the project has no check with that id.
	ErrNotFound = errors.New("status check not found")
	// ErrProtectedBranchNotFound means a protected branch id names nothing.
	ErrProtectedBranchNotFound = errors.New("protected branch not found")
	// ErrBranchOutsideProject means a protected branch belongs to another
	// project.
	ErrBranchOutsideProject = errors.New("protected branch belongs to another project")
	// ErrMergeRequestNotFound means the project has no merge request with
	// that iid, or the caller cannot see it.
	ErrMergeRequestNotFound = errors.New("merge request not found")
	// ErrNotFailed means a retry was asked for a check whose newest response
	// at the head is not failed.
	ErrNotFailed = errors.New("status check must be failed")
	// ErrCannotRespond means the caller may see the merge request but not
	// answer for a check (below developer).
	ErrCannotRespond = errors.New("cannot respond for a status check")
)

// ShaMismatchError is a sha that is not the merge request's head.
type ShaMismatchError struct{ Head string }

func (e *ShaMismatchError) Error() string { return "sha does not match the head: " + e.Head }

// Service is the status check domain.
type Service struct {
	store          store.Store
	validator      protovalidate.Validator
	box            *secret.Box
	clock          clock.Clock
	logger         *slog.Logger
	events         event.Bus
	defaultTimeout time.Duration
	sender         Sender
	holder         *lease.Holder // names each hold apart (see lease.Holder)
	crash          crashpoint.Set
	allowLocal     bool
	// pairs queues this replica's writers of a pair (see holdPairs).
	pairs keyedMutex
}

// Deps are what a Service needs.
type Deps struct {
	Store store.Store
	// Validator checks StatusCheckSettings, the same message the browser
	// form validates.
	Validator protovalidate.Validator
	// Box seals shared secrets.
	Box    *secret.Box
	Clock  clock.Clock
	Logger *slog.Logger
	Events event.Bus
	// DefaultTimeout is how long a pending response waits before it fails,
	// unless the check or the project says otherwise.
	DefaultTimeout time.Duration
	// Sender builds deliveries to checks.
	Sender Sender
	// Holder names this replica in leases.
	Holder string
	// Crash kills the process at named points, for crash tests; the zero
	// Set never does.
	Crash crashpoint.Set
	// AllowLocalNetwork is --allow-local-network: without it, a check on
	// the local network is still created, and the server log warns that its
	// deliveries will be refused (see warnIfLocal).
	AllowLocalNetwork bool
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{
		store: d.Store, validator: d.Validator, box: d.Box, clock: d.Clock, logger: d.Logger,
		events: d.Events, defaultTimeout: d.DefaultTimeout, sender: d.Sender, holder: lease.NewHolder(d.Holder), crash: d.Crash,
		allowLocal: d.AllowLocalNetwork,
	}
}

// Check is a status check with the protected branches it is scoped to.
type Check struct {
	Record            *storagev1.StatusCheck
	ProtectedBranches []*storagev1.ProtectedBranch
}

// HasSecret reports whether deliveries to the check are signed.
func (c *Check) HasSecret() bool { return len(c.Record.GetSealedSecret()) > 0 }

// get returns a check of the project, or ErrNotFound.
func (s *Service) get(ctx context.Context, projectID, id int64) (*storagev1.StatusCheck, error) {
	c, err := s.store.Checks().Get(ctx, projectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return c, err
}

// withBranches pairs checks with their protected branches, reading the
// project's protections once.
func (s *Service) withBranches(ctx context.Context, projectID int64, recs ...*storagev1.StatusCheck) ([]*Check, error) {
	all, err := s.store.ProtectedBranches().List(ctx, projectID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*storagev1.ProtectedBranch, len(all))
	for _, pb := range all {
		byID[pb.GetId()] = pb
	}
	out := make([]*Check, 0, len(recs))
	for _, r := range recs {
		c := &Check{Record: r}
		for _, id := range r.GetProtectedBranchIds() {
			// A protection deleted since is dropped, as GitLab's join rows are.
			if pb, ok := byID[id]; ok {
				c.ProtectedBranches = append(c.ProtectedBranches, pb)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// sealSecret seals a shared secret for a check of the project; the project
// id is bound in, so a sealed value copied to another project does not open.
func (s *Service) sealSecret(projectID int64, plain string) ([]byte, error) {
	if plain == "" {
		return nil, nil
	}
	return s.box.Seal([]byte(plain), secretContext(projectID))
}

// Secret opens a check's shared secret; empty when it has none.
func (s *Service) Secret(c *storagev1.StatusCheck) (string, error) {
	if len(c.GetSealedSecret()) == 0 {
		return "", nil
	}
	plain, err := s.box.Open(c.GetSealedSecret(), secretContext(c.GetProjectId()))
	return string(plain), err
}

func secretContext(projectID int64) string {
	return fmt.Sprintf("signalbox.status_check.shared_secret:project=%d", projectID)
}
