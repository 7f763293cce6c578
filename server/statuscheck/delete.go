package statuscheck

import (
	"context"

	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/conditional"
	"github.com/signalbox/signalbox/server/project"
)

// Delete removes a check: it must exist, then the caller must be a
// maintainer. (GitLab answers a developer 204 and deletes nothing; we refuse
// with a clear permission error instead.)
func (s *Service) Delete(ctx context.Context, sc *project.Scope, id int64) error {
	pid := sc.Project.GetId()
	c, err := s.get(ctx, pid, id)
	if err != nil {
		return err
	}
	if err := sc.Require(auth.Maintainer); err != nil {
		return err
	}
	if err := conditional.Check(ctx, conditional.Latest(c.GetCreateTime(), c.GetUpdateTime())); err != nil {
		return err
	}
	if err := s.store.Checks().Delete(ctx, c); err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "status check deleted", "project_id", pid, "check_id", id)
	return nil
}
