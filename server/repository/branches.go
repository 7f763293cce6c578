package repository

import (
	"context"
	"errors"
	"sort"
	"strings"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// ErrNotFound means the project cannot be read or has no such branch.
var ErrNotFound = errors.New("branch not found")

// Service reads branches.
type Service struct {
	store store.Store
	repos Repositories
}

// NewService returns a Service.
func NewService(st store.Store, repos Repositories) *Service {
	return &Service{store: st, repos: repos}
}

// Branch is a branch with its head commit and what protection says of it.
type Branch struct {
	Name               string
	Commit             *Commit
	Protected          bool
	Default            bool
	DevelopersCanPush  bool
	DevelopersCanMerge bool
	CanPush            bool
	Merged             bool
}

// Branches lists the branches whose name contains search, by name.
func (s *Service) Branches(ctx context.Context, sc *project.Scope, search string) ([]*Branch, error) {
	if !sc.CanReadMergeRequests() {
		return nil, project.ErrNotFound
	}
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return nil, err
	}
	heads, err := repo.Branches(ctx)
	if err != nil {
		return nil, err
	}
	protections, err := s.store.ProtectedBranches().List(ctx, sc.Project.GetId())
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(heads))
	for name := range heads {
		if strings.Contains(name, search) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]*Branch, 0, len(names))
	for _, name := range names {
		b, err := s.describe(ctx, sc, repo, protections, name, heads)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Branch returns one branch.
func (s *Service) Branch(ctx context.Context, sc *project.Scope, name string) (*Branch, error) {
	if !sc.CanReadMergeRequests() {
		return nil, project.ErrNotFound
	}
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return nil, err
	}
	heads, err := repo.Branches(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := heads[name]; !ok {
		return nil, ErrNotFound
	}
	protections, err := s.store.ProtectedBranches().List(ctx, sc.Project.GetId())
	if err != nil {
		return nil, err
	}
	return s.describe(ctx, sc, repo, protections, name, heads)
}

func (s *Service) describe(ctx context.Context, sc *project.Scope, repo Repository, protections []*storagev1.ProtectedBranch, name string, heads map[string]string) (*Branch, error) {
	c, err := repo.Commit(ctx, heads[name])
	if err != nil {
		return nil, err
	}
	rules := project.NewBranchRules(protections)
	b := &Branch{
		Name: name, Commit: c, Default: name == sc.Project.GetDefaultBranch(),
		Protected:          rules.Protected(name),
		DevelopersCanPush:  rules.DevelopersCanPush(name),
		DevelopersCanMerge: rules.DevelopersCanMerge(name),
		CanPush:            rules.CanPush(sc.Level, name),
	}
	if def, ok := heads[sc.Project.GetDefaultBranch()]; ok && !b.Default {
		if b.Merged, err = repo.IsAncestor(ctx, heads[name], def); err != nil {
			return nil, err
		}
	}
	return b, nil
}
