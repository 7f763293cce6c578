package project

import (
	"context"
	"errors"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
)

// MergeTrainStrategyFor returns the merge train strategy settings p uses
// for target branch: the branch's override, else the project's default,
// else GitLab's (the zero value, a strategy of 0). The result is never nil
// and must not be changed.
func MergeTrainStrategyFor(p *storagev1.Project, branch string) *storagev1.MergeTrainStrategy {
	set := p.GetSettings()
	if i := slices.IndexFunc(set.GetMergeTrainBranchStrategies(), func(s *storagev1.MergeTrainStrategy) bool { return s.GetBranch() == branch }); i >= 0 {
		return set.GetMergeTrainBranchStrategies()[i]
	}
	if d := set.GetMergeTrainStrategy(); d != nil {
		return d
	}
	return &storagev1.MergeTrainStrategy{}
}

// ErrMergeTrainStrategyNotFound means a target branch has no strategy of
// its own.
var ErrMergeTrainStrategyNotFound = errors.New("merge train strategy not found")

// SetMergeTrainStrategy sets the project's default strategy (st.Branch
// empty) or a target branch's override. Maintainers and above. The project
// record is written as every settings change is, conditionally on the
// version read, so concurrent changes never overwrite each other silently.
func (s *Service) SetMergeTrainStrategy(ctx context.Context, sc *Scope, st *storagev1.MergeTrainStrategy) (*storagev1.Project, error) {
	return s.changeStrategies(ctx, sc, func(set *storagev1.ProjectSettings) error {
		st = proto.CloneOf(st)
		if st.GetBranch() == "" {
			set.MergeTrainStrategy = st
			return nil
		}
		set.MergeTrainBranchStrategies = slices.DeleteFunc(set.MergeTrainBranchStrategies, func(x *storagev1.MergeTrainStrategy) bool { return x.GetBranch() == st.GetBranch() })
		set.MergeTrainBranchStrategies = append(set.MergeTrainBranchStrategies, st)
		slices.SortFunc(set.MergeTrainBranchStrategies, func(a, b *storagev1.MergeTrainStrategy) int { return strings.Compare(a.GetBranch(), b.GetBranch()) })
		return nil
	})
}

// DeleteMergeTrainBranchStrategy removes a target branch's override.
// Maintainers and above.
func (s *Service) DeleteMergeTrainBranchStrategy(ctx context.Context, sc *Scope, branch string) (*storagev1.Project, error) {
	return s.changeStrategies(ctx, sc, func(set *storagev1.ProjectSettings) error {
		n := len(set.MergeTrainBranchStrategies)
		set.MergeTrainBranchStrategies = slices.DeleteFunc(set.MergeTrainBranchStrategies, func(x *storagev1.MergeTrainStrategy) bool { return x.GetBranch() == branch })
		if len(set.MergeTrainBranchStrategies) == n {
			return ErrMergeTrainStrategyNotFound
		}
		return nil
	})
}

func (s *Service) changeStrategies(ctx context.Context, sc *Scope, change func(*storagev1.ProjectSettings) error) (*storagev1.Project, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	updated := proto.CloneOf(sc.Project)
	if updated.Settings == nil {
		updated.Settings = &storagev1.ProjectSettings{}
	}
	if err := change(updated.Settings); err != nil {
		return nil, err
	}
	if err := s.store.Projects().Update(ctx, sc.Project, updated); err != nil {
		return nil, err
	}
	return updated, nil
}
