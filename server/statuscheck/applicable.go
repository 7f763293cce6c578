package statuscheck

import (
	"context"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/project"
)

// Applies reports whether a check applies to merge requests into
// targetBranch: it has no protected branches, or one of them covers the
// branch. This one rule serves listing, dispatch and mergeability alike.
func (c *Check) Applies(targetBranch string) bool {
	return len(c.Record.GetProtectedBranchIds()) == 0 || project.Protects(c.ProtectedBranches, targetBranch)
}

// applicable returns the project's checks that apply to targetBranch, by id.
func (s *Service) applicable(ctx context.Context, projectID int64, targetBranch string) ([]*Check, error) {
	recs, err := s.store.Checks().List(ctx, projectID)
	if err != nil {
		return nil, err
	}
	all, err := s.withBranches(ctx, projectID, recs...)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.Applies(targetBranch) {
			out = append(out, c)
		}
	}
	return out, nil
}

// timeout is how long a pending response of c waits: the check's own
// timeout, else the project's, else the server's default.
func (s *Service) timeout(p *storagev1.Project, c *storagev1.StatusCheck) time.Duration {
	if t := c.GetTimeoutSeconds(); t > 0 {
		return time.Duration(t) * time.Second
	}
	if t := p.GetSettings().GetStatusCheckTimeoutSeconds(); t > 0 {
		return time.Duration(t) * time.Second
	}
	return s.defaultTimeout
}
