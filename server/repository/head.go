package repository

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

// SetHead points the project's repository HEAD at branch, the project's
// default branch.
func (g *Git) SetHead(ctx context.Context, p *storagev1.Project, branch string) error {
	return g.runner.Open(g.Dir(p.GetId())).SetDefaultBranch(ctx, branch)
}
