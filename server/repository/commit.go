package repository

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/signalbox/signalbox/server/gitrepo"
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

// ErrInvalidRevision means a revision git would read as an option, or one
// holding a line break or a NUL byte: GitLab's "ref_name is invalid".
var ErrInvalidRevision = errors.New("invalid revision")

// ErrInvalidAuthor means an author pattern git cannot read as a regular
// expression.
var ErrInvalidAuthor = errors.New("invalid author pattern")

// LogQuery is a page of a history, as GitLab's commits list asks for it.
type LogQuery struct {
	// Ref is a branch or tag name, a sha or a range; "" for the default
	// branch. Ignored when All is set.
	Ref          string
	All          bool
	Path         string
	Author       string
	Since, Until time.Time
	FirstParent  bool
	Topo         bool
	// Page counts from 1; PerPage is at most maxLogPage.
	Page, PerPage int
}

// maxLogPage bounds the commits read for one answer, whatever is asked.
const maxLogPage = 100

// Log returns one page of commits and whether another page has any, for
// whoever may read the project's code. A ref that names nothing, and a
// repository without a default branch yet, have no commits.
func (s *Service) Log(ctx context.Context, sc *project.Scope, q LogQuery) ([]*Commit, bool, error) {
	if !sc.CanReadMergeRequests() {
		return nil, false, project.ErrNotFound
	}
	ref := q.Ref
	if ref == "" && !q.All {
		ref = sc.Project.GetDefaultBranch()
		if ref == "" {
			return nil, false, nil
		}
	}
	if !q.All && (strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, "\x00\n\r")) {
		return nil, false, ErrInvalidRevision
	}
	if strings.ContainsAny(q.Author, "\n\r") {
		return nil, false, ErrInvalidAuthor
	}
	perPage := min(max(q.PerPage, 1), maxLogPage)
	page := max(q.Page, 1)
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return nil, false, err
	}
	// One more than the page says whether there is a next one, without
	// counting the history.
	commits, err := repo.Log(ctx, gitrepo.LogQuery{
		Rev: ref, All: q.All, Path: q.Path, Author: q.Author, Since: q.Since, Until: q.Until,
		FirstParent: q.FirstParent, Topo: q.Topo,
		Skip: (page - 1) * perPage, Max: perPage + 1,
	})
	if errors.Is(err, ErrCommitNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if len(commits) > perPage {
		return commits[:perPage], true, nil
	}
	return commits, false, nil
}

// Trailers are the "Key: value" lines that end the message, in order.
func (c *Commit) Trailers() []gitrepo.Trailer { return gitrepo.Trailers(c.Message) }
