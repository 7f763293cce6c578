package repository

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/gitrepo"
)

// Git keeps every project's bare repository on disk, named by project id
// (paths can be renamed; ids cannot), and opens them through gitrepo.
type Git struct {
	runner *gitrepo.Runner
	root   string
	memos  *memos
	// catFiles reads commits without a git process per read: a push's
	// follow-up would otherwise spawn three (merge base, merge status,
	// head commit), each tens of milliseconds of CPU on a small machine.
	catFiles *gitrepo.CatFiles
}

var _ Repositories = (*Git)(nil)

// NewGit returns repositories under root. Close stops the git processes
// it keeps.
func NewGit(runner *gitrepo.Runner, root string, opts ...gitrepo.CatFilesOption) *Git {
	return &Git{runner: runner, root: root, memos: newMemos(), catFiles: gitrepo.NewCatFiles(runner, opts...)}
}

// Close stops the long-lived git processes; the repositories still work
// afterwards, with a process per question.
func (g *Git) Close() error { return g.catFiles.Close() }

// CatFiles are the long-lived cat-file processes, for tests.
func (g *Git) CatFiles() *gitrepo.CatFiles { return g.catFiles }

// Runner is the git runner, for the smart HTTP door.
func (g *Git) Runner() *gitrepo.Runner { return g.runner }

// Dir is where project id's repository lives.
func (g *Git) Dir(projectID int64) string {
	return filepath.Join(g.root, strconv.FormatInt(projectID, 10)+".git")
}

// Init creates the project's bare repository; it is the project create
// hook. An existing repository is kept, so the hook can be run again.
func (g *Git) Init(ctx context.Context, p *storagev1.Project) error {
	dir := g.Dir(p.GetId())
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		return nil
	}
	if err := os.MkdirAll(g.root, 0o700); err != nil {
		return err
	}
	_, err := g.runner.Init(ctx, dir, p.GetDefaultBranch())
	return err
}

// Open opens the project's repository.
func (g *Git) Open(_ context.Context, p *storagev1.Project) (Repository, error) {
	return gitRepository{r: g.runner.Open(g.Dir(p.GetId())).WithCatFiles(g.catFiles), memos: g.memos}, nil
}

type gitRepository struct {
	r     *gitrepo.Repo
	memos *memos
}

// Branches leaves out branches whose names are not valid UTF-8. Git allows
// them, and a push may create one, but no API request can name one (every
// door refuses invalid UTF-8), and a name shown with replacement characters
// would no longer address the ref, or could even be another branch's name;
// so merge requests, trains and listings never see them.
func (g gitRepository) Branches(ctx context.Context) (map[string]string, error) {
	refs, err := g.r.Refs(ctx, "refs/heads/")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(refs))
	for ref, sha := range refs {
		if name := strings.TrimPrefix(ref, "refs/heads/"); utf8.ValidString(name) {
			out[name] = sha
		}
	}
	return out, nil
}

// Commit, MergeBase, IsAncestor and Conflicts remember their answers about
// full commit ids (see memos).
func (g gitRepository) Commit(ctx context.Context, sha string) (*Commit, error) {
	key, memoable := memoKey(g.r.Dir(), sha)
	if memoable {
		if c, ok := g.memos.commit.get(key); ok {
			return cloneCommit(c), nil
		}
	}
	c, err := g.r.Commit(ctx, sha)
	if err != nil {
		return nil, err
	}
	out := shown(c)
	if memoable && len(out.Message) <= maxMemoMessage {
		g.memos.commit.put(key, *cloneCommit(*out))
	}
	return out, nil
}

// shown turns git's bytes into strings to store and show here
// (gitrepo.Display).
func shown(c *gitrepo.Commit) *Commit {
	return &Commit{
		ID: c.SHA, Title: gitrepo.Display(c.Title()), Message: gitrepo.Display(c.Message),
		AuthorName: gitrepo.Display(c.Author.Name), AuthorEmail: gitrepo.Display(c.Author.Email), AuthoredTime: c.Author.When,
		CommitterName: gitrepo.Display(c.Committer.Name), CommitterEmail: gitrepo.Display(c.Committer.Email), CommittedTime: c.Committer.When,
		ParentIDs: c.Parents, TreeID: c.Tree,
	}
}

func (g gitRepository) Log(ctx context.Context, q gitrepo.LogQuery) ([]*Commit, error) {
	cs, err := g.r.Log(ctx, q)
	switch {
	case errors.Is(err, gitrepo.ErrNotFound):
		return nil, ErrCommitNotFound
	case errors.Is(err, gitrepo.ErrInvalidPattern):
		return nil, ErrInvalidAuthor
	}
	if err != nil {
		return nil, err
	}
	out := make([]*Commit, 0, len(cs))
	for _, c := range cs {
		out = append(out, shown(c))
	}
	return out, nil
}

func (g gitRepository) MergeBase(ctx context.Context, a, b string) (string, error) {
	key, memoable := memoKey(g.r.Dir(), a, b)
	if memoable {
		if base, ok := g.memos.mergeBase.get(key); ok {
			return base, nil
		}
	}
	base, err := g.r.MergeBase(ctx, a, b)
	if errors.Is(err, gitrepo.ErrNoMergeBase) {
		base, err = "", nil
	}
	if err == nil && memoable {
		g.memos.mergeBase.put(key, base)
	}
	return base, err
}

func (g gitRepository) IsAncestor(ctx context.Context, ancestor, descendant string) (bool, error) {
	key, memoable := memoKey(g.r.Dir(), ancestor, descendant)
	if memoable {
		if yes, ok := g.memos.ancestor.get(key); ok {
			return yes, nil
		}
	}
	yes, err := g.r.IsAncestor(ctx, ancestor, descendant)
	if err == nil && memoable {
		g.memos.ancestor.put(key, yes)
	}
	return yes, err
}

func (g gitRepository) Conflicts(ctx context.Context, target, source string) ([]string, error) {
	key, memoable := memoKey(g.r.Dir(), target, source)
	if memoable {
		if paths, ok := g.memos.conflicts.get(key); ok {
			return slices.Clone(paths), nil
		}
	}
	var paths []string
	// A target below the source merges into the source's own tree, so it
	// cannot conflict: merge-tree would write no new object and list no
	// path. The walk answers without a process; when it cannot tell, git
	// merges as before.
	if rebased, known := g.r.IsAncestorKnown(ctx, target, source); !known || !rebased {
		_, err := g.r.MergeTree(ctx, target, source)
		var ce *gitrepo.ConflictError
		switch {
		case errors.As(err, &ce):
			paths = displayPaths(ce.Paths)
		case err != nil:
			return nil, err
		}
	}
	if memoable {
		g.memos.conflicts.put(key, slices.Clone(paths))
	}
	return paths, nil
}

func (g gitRepository) BuildMerge(ctx context.Context, m MergeSpec) (Landing, error) {
	who := gitrepo.Signature{Name: m.AuthorName, Email: m.AuthorEmail, When: m.Time}
	res, err := g.r.Merge(ctx, gitrepo.MergeParams{
		Target: m.Target, Source: m.Source, Method: gitrepo.Method(m.Method),
		Squash: m.Squash, Message: m.Message, SquashMessage: m.SquashMessage,
		Request: gitrepo.MergeRequestInfo{
			SourceBranch: m.SourceBranch, TargetBranch: m.TargetBranch, Title: m.Title,
			ProjectPath: m.ProjectPath, IID: m.IID,
		},
		Author: who, Committer: who, SquashAuthor: who,
	})
	var ce *gitrepo.ConflictError
	switch {
	case errors.As(err, &ce):
		return Landing{}, &ConflictError{Paths: displayPaths(ce.Paths)}
	case errors.Is(err, gitrepo.ErrNeedsRebase):
		return Landing{}, ErrNeedsRebase
	case err != nil:
		return Landing{}, err
	}
	return Landing{SHA: res.SHA, MergeCommitSHA: res.MergeCommitSHA, SquashCommitSHA: res.SquashCommitSHA}, nil
}

func (g gitRepository) MoveBranch(ctx context.Context, branch, newSHA, oldSHA string) error {
	err := g.r.UpdateRef(ctx, gitrepo.BranchRef(branch), newSHA, oldSHA)
	if errors.Is(err, gitrepo.ErrStaleRef) {
		return ErrBranchMoved
	}
	return err
}

func (g gitRepository) Rebase(ctx context.Context, onto, head, name, email string, when time.Time) (string, error) {
	sha, err := g.r.Rebase(ctx, onto, head, gitrepo.Signature{Name: name, Email: email, When: when})
	var ce *gitrepo.ConflictError
	if errors.As(err, &ce) {
		return "", &ConflictError{Paths: displayPaths(ce.Paths)}
	}
	return sha, err
}

func (g gitRepository) SetRef(ctx context.Context, ref, sha string) error {
	old, err := g.Ref(ctx, ref)
	if err != nil {
		return err
	}
	if old == sha {
		return nil
	}
	return g.r.UpdateRef(ctx, ref, sha, old)
}

func (g gitRepository) DeleteRef(ctx context.Context, ref string) error {
	return g.r.DeleteRef(ctx, ref, "")
}

func (g gitRepository) DeleteRefAt(ctx context.Context, ref, sha string) error {
	cur, err := g.Ref(ctx, ref)
	if err != nil || cur != sha {
		return err
	}
	err = g.r.DeleteRef(ctx, ref, sha)
	if errors.Is(err, gitrepo.ErrStaleRef) {
		return nil // moved on or deleted meanwhile
	}
	return err
}

func (g gitRepository) Ref(ctx context.Context, ref string) (string, error) {
	sha, err := g.r.Ref(ctx, ref)
	if errors.Is(err, gitrepo.ErrNotFound) {
		return "", nil
	}
	return sha, err
}

// displayPaths are conflicting paths as they are stored and shown (see
// gitrepo.Display).
func displayPaths(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = gitrepo.Display(p)
	}
	return out
}
