package statuscheck

import (
	"context"

	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

// List returns the project's checks, by id. Maintainers and above.
func (s *Service) List(ctx context.Context, sc *project.Scope) ([]*Check, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	recs, err := s.store.Checks().List(ctx, sc.Project.GetId())
	if err != nil {
		return nil, err
	}
	return s.withBranches(ctx, sc.Project.GetId(), recs...)
}
