package project

import (
	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/branch"
)

// BranchRules answer, for one project's protected branches, who may push
// to, force-push to or merge into a branch. They are the only place that
// rule is written: the git door, the branches API and merging all ask
// them.
//
// The rules are GitLab's (app/models/concerns/protected_ref.rb,
// lib/gitlab/user_access.rb, ProtectedRefAccess#check_access):
//
//   - A branch is protected when any protection's name or pattern covers
//     it (branch.Match).
//   - Pushing needs a Developer or above (GitLab's push_code). On a
//     protected branch it also needs ANY covering protection whose push
//     access level admits the caller: when several protections match, the
//     most permissive wins ("If a branch matches multiple rules, the most
//     permissive rule applies", GitLab's protected branches docs, "Protection
//     rules and permissions"), and an exact name does not override a
//     wildcard.
//   - An access level admits: "No one" (0) nobody, administrators included;
//     "Admin" (60) administrators only; a role level anyone with at least
//     that role and at least Developer (administrators have every role).
//   - Force push is allowed on an unprotected branch, and on a protected
//     one when ANY covering protection allows it (most permissive again:
//     GitLab's ProtectedBranch.allow_force_push?).
//   - Merging a merge request is GitLab's can_be_merged_by:
//     can_push_to_branch? OR can_merge_to_branch?, the latter being any
//     covering protection's merge level admitting the caller, or Developer
//     on an unprotected branch.
//   - The API's developers_can_push (developers_can_merge) is true when
//     any covering protection's push (merge) level is exactly Developer,
//     so false on an unprotected branch (ProtectedRef.developers_can?).
type BranchRules struct {
	protections []*storagev1.ProtectedBranch
}

// NewBranchRules returns the rules of a project's protected branches.
func NewBranchRules(protections []*storagev1.ProtectedBranch) BranchRules {
	return BranchRules{protections: protections}
}

// Protected reports whether any protection covers branchName.
func (r BranchRules) Protected(branchName string) bool {
	for range r.covering(branchName) {
		return true
	}
	return false
}

// CanPush reports whether a caller with level may push to branchName,
// creating or updating it.
func (r BranchRules) CanPush(level auth.Level, branchName string) bool {
	if !r.Protected(branchName) {
		return level >= auth.Developer
	}
	return r.anyAdmits(branchName, level, (*storagev1.ProtectedBranch).GetPush)
}

// AllowsForcePush reports whether branchName may be rewritten by a push
// (by a caller who may push to it at all).
func (r BranchRules) AllowsForcePush(branchName string) bool {
	protected := false
	for pb := range r.covering(branchName) {
		if pb.GetAllowForcePush() {
			return true
		}
		protected = true
	}
	return !protected
}

// CanMerge reports whether a caller with level may merge a merge request
// into branchName.
func (r BranchRules) CanMerge(level auth.Level, branchName string) bool {
	if !r.Protected(branchName) {
		return level >= auth.Developer
	}
	return r.anyAdmits(branchName, level, (*storagev1.ProtectedBranch).GetPush) ||
		r.anyAdmits(branchName, level, (*storagev1.ProtectedBranch).GetMerge)
}

// DevelopersCanPush is the branches API's developers_can_push.
func (r BranchRules) DevelopersCanPush(branchName string) bool {
	return r.anyLevelIs(branchName, auth.Developer, (*storagev1.ProtectedBranch).GetPush)
}

// DevelopersCanMerge is the branches API's developers_can_merge.
func (r BranchRules) DevelopersCanMerge(branchName string) bool {
	return r.anyLevelIs(branchName, auth.Developer, (*storagev1.ProtectedBranch).GetMerge)
}

// covering yields the protections that cover branchName.
func (r BranchRules) covering(branchName string) func(yield func(*storagev1.ProtectedBranch) bool) {
	return func(yield func(*storagev1.ProtectedBranch) bool) {
		for _, pb := range r.protections {
			if branch.Match(pb.GetName(), branchName) && !yield(pb) {
				return
			}
		}
	}
}

// anyAdmits reports whether some protection covering branchName has an
// access level (push or merge, picked by rule) that admits level.
func (r BranchRules) anyAdmits(branchName string, level auth.Level, rule func(*storagev1.ProtectedBranch) *storagev1.AccessLevel) bool {
	for pb := range r.covering(branchName) {
		if admits(accessLevel(rule(pb)), level) {
			return true
		}
	}
	return false
}

func (r BranchRules) anyLevelIs(branchName string, want auth.Level, rule func(*storagev1.ProtectedBranch) *storagev1.AccessLevel) bool {
	for pb := range r.covering(branchName) {
		if accessLevel(rule(pb)) == want {
			return true
		}
	}
	return false
}

// accessLevel is the level a protection's rule names; a missing rule is
// Maintainers, the default of a new protection.
func accessLevel(l *storagev1.AccessLevel) auth.Level {
	if l == nil {
		return auth.Maintainer
	}
	return auth.Level(l.GetLevel())
}

// admits is GitLab's ProtectedRefAccess#check_access for a role level:
// "No one" admits nobody; otherwise the caller needs push_code (Developer)
// and the level named, which for Admin (60) only administrators have.
func admits(need, level auth.Level) bool {
	return need != auth.NoAccess && level >= auth.Developer && level >= need
}
