package project

import (
	"context"
	"slices"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

// FirstPushDefault picks the default branch that a first push gives a
// project with an empty repository, as GitLab (through Gitaly) does: the
// configured branch, which HEAD names, when it now exists; else the first
// branch the push created, in the client's order; else the first existing
// branch by name. It returns "" when no branch exists, for example after a
// push of tags only, or one whose branch updates were all refused: the
// project is still empty then.
func FirstPushDefault(configured string, created []string, existing map[string]string) string {
	if _, ok := existing[configured]; ok {
		return configured
	}
	for _, name := range created {
		if _, ok := existing[name]; ok {
			return name
		}
	}
	names := make([]string, 0, len(existing))
	for name := range existing {
		names = append(names, name)
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return names[0]
}

// HeadSetter points a project's repository HEAD at a branch.
type HeadSetter interface {
	SetHead(ctx context.Context, p *storagev1.Project, branch string) error
}

// SettleDefaultBranch ends a project's empty state after a push: it records
// the branch FirstPushDefault picks, unless a racing first push recorded
// one first, and points HEAD at the recorded branch, so that a clone checks
// it out. Racing pushes all point HEAD at the same branch, the one the
// store kept. It returns the project as it now is, unchanged when it was
// not empty or still has no branch.
func (s *Service) SettleDefaultBranch(ctx context.Context, p *storagev1.Project, created []string, existing map[string]string, head HeadSetter) (*storagev1.Project, error) {
	if !p.GetEmptyRepo() {
		return p, nil
	}
	pick := FirstPushDefault(p.GetDefaultBranch(), created, existing)
	if pick == "" {
		return p, nil
	}
	settled, err := s.store.Projects().SettleDefaultBranch(ctx, p.GetId(), pick)
	if err != nil {
		return nil, err
	}
	if settled != p.GetDefaultBranch() {
		if err := head.SetHead(ctx, p, settled); err != nil {
			return nil, err
		}
	}
	s.logger.InfoContext(ctx, "first push set the default branch", "project_id", p.GetId(), "default_branch", settled)
	return s.store.Projects().Get(ctx, p.GetId())
}
