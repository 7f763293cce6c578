package repository

import (
	"context"
	"errors"

	"github.com/signalbox/signalbox/server/project"
)

// ErrCommitNotFound means the repository has no commit by that name.
var ErrCommitNotFound = errors.New("commit not found")

// Commit reads the commit that ref names (a sha, a branch name, or any
// revision git understands), for whoever may read the project's code:
// reporters and above, or readers of a public or internal project.
func (s *Service) Commit(ctx context.Context, sc *project.Scope, ref string) (*Commit, error) {
	if !sc.CanReadMergeRequests() {
		return nil, project.ErrNotFound
	}
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return nil, err
	}
	c, err := repo.Commit(ctx, ref)
	if err != nil {
		// A name git does not resolve, or one it refuses to read (an
		// option, a line break): either way there is no such commit.
		return nil, ErrCommitNotFound
	}
	return c, nil
}
