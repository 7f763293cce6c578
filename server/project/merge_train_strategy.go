package project

import (
	"slices"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
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
