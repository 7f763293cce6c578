package project

import (
	"context"
	"errors"
	"strconv"
	"strings"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
)

// Scope is a project as one caller sees it: the project, and the caller's
// access level in it.
type Scope struct {
	Project *storagev1.Project
	Caller  *auth.Principal
	Level   auth.Level
}

// Require returns auth.ErrForbidden unless the caller has at least level.
func (s *Scope) Require(level auth.Level) error {
	if s.Level < level {
		return auth.ErrForbidden
	}
	return nil
}

// CanReadMergeRequests is GitLab's read_merge_request on the project:
// reporters and above, or anyone who can read a public or internal project.
func (s *Scope) CanReadMergeRequests() bool {
	if s.Level >= auth.Reporter {
		return true
	}
	switch signalboxv1.Visibility(s.Project.GetVisibility()) {
	case signalboxv1.Visibility_VISIBILITY_PUBLIC:
		return true
	case signalboxv1.Visibility_VISIBILITY_INTERNAL:
		return s.Caller != nil
	}
	return false
}

// Scope finds the project ref names (its id, or namespace/path) and works
// out what the caller may do there. A project the caller cannot read is
// ErrNotFound, exactly as a missing one, so its existence does not leak.
func (s *Service) Scope(ctx context.Context, caller *auth.Principal, ref string) (*Scope, error) {
	p, err := s.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	level, err := s.level(ctx, caller, p)
	if err != nil {
		return nil, err
	}
	if !canRead(caller, p, level) {
		return nil, ErrNotFound
	}
	return &Scope{Project: p, Caller: caller, Level: level}, nil
}

func (s *Service) lookup(ctx context.Context, ref string) (*storagev1.Project, error) {
	var (
		p   *storagev1.Project
		err error
	)
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		p, err = s.store.Projects().Get(ctx, id)
	} else if strings.Contains(ref, "/") {
		p, err = s.store.Projects().GetByPath(ctx, ref)
	} else {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return p, err
}

// level is the caller's access level in p: Admin for administrators, the
// member's level for members whose membership has not expired, else none.
func (s *Service) level(ctx context.Context, caller *auth.Principal, p *storagev1.Project) (auth.Level, error) {
	if caller == nil {
		return auth.NoAccess, nil
	}
	if caller.Admin {
		return auth.Admin, nil
	}
	m, err := s.store.Members().Get(ctx, p.GetId(), caller.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.NoAccess, nil
	}
	if err != nil {
		return auth.NoAccess, err
	}
	if exp := m.GetExpiresAt(); exp != "" && s.clock.Now().UTC().Format("2006-01-02") >= exp {
		return auth.NoAccess, nil
	}
	return auth.Level(m.GetAccessLevel()), nil
}

// canRead is GitLab's read_project: guests and above always; on internal
// projects any signed-in user; on public ones anyone.
func canRead(caller *auth.Principal, p *storagev1.Project, level auth.Level) bool {
	if level >= auth.Guest {
		return true
	}
	switch signalboxv1.Visibility(p.GetVisibility()) {
	case signalboxv1.Visibility_VISIBILITY_PUBLIC:
		return true
	case signalboxv1.Visibility_VISIBILITY_INTERNAL:
		return caller != nil
	}
	return false
}
