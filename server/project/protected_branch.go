package project

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/conditional"
	"github.com/signalbox/signalbox/server/store"
)

// ProtectParams describe a branch protection. Nil levels default to
// maintainers.
type ProtectParams struct {
	Name                      string
	PushAccessLevel           *int32
	MergeAccessLevel          *int32
	UnprotectAccessLevel      *int32
	AllowForcePush            bool
	CodeOwnerApprovalRequired bool
}

// ProtectBranch protects a branch name or wildcard pattern. Maintainers and
// above.
func (s *Service) ProtectBranch(ctx context.Context, sc *Scope, p ProtectParams) (*storagev1.ProtectedBranch, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	levelOr := func(l *int32) *storagev1.AccessLevel {
		if l == nil {
			return &storagev1.AccessLevel{Level: int32(auth.Maintainer)}
		}
		return &storagev1.AccessLevel{Level: *l}
	}
	pb, err := s.store.ProtectedBranches().Create(ctx, &storagev1.ProtectedBranch{
		ProjectId:                 sc.Project.GetId(),
		Name:                      p.Name,
		Push:                      levelOr(p.PushAccessLevel),
		Merge:                     levelOr(p.MergeAccessLevel),
		Unprotect:                 levelOr(p.UnprotectAccessLevel),
		AllowForcePush:            p.AllowForcePush,
		CodeOwnerApprovalRequired: p.CodeOwnerApprovalRequired,
		CreateTime:                timestamppb.New(s.clock.Now()),
	})
	if errors.Is(err, store.ErrTaken) {
		return nil, ErrBranchAlreadyProtected
	}
	return pb, err
}

// ProtectedBranch returns one protection by its exact name or pattern.
// Reporters and above.
func (s *Service) ProtectedBranch(ctx context.Context, sc *Scope, name string) (*storagev1.ProtectedBranch, error) {
	if err := sc.Require(auth.Reporter); err != nil {
		return nil, err
	}
	pb, err := s.store.ProtectedBranches().Get(ctx, sc.Project.GetId(), name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrProtectedBranchNotFound
	}
	return pb, err
}

// ProtectedBranches returns the protections whose name contains search.
// Reporters and above.
func (s *Service) ProtectedBranches(ctx context.Context, sc *Scope, search string) ([]*storagev1.ProtectedBranch, error) {
	if err := sc.Require(auth.Reporter); err != nil {
		return nil, err
	}
	all, err := s.store.ProtectedBranches().List(ctx, sc.Project.GetId())
	if err != nil || search == "" {
		return all, err
	}
	search = strings.ToLower(search)
	out := all[:0]
	for _, pb := range all {
		if strings.Contains(strings.ToLower(pb.GetName()), search) {
			out = append(out, pb)
		}
	}
	return out, nil
}

// UnprotectBranch removes a protection. Maintainers and above.
func (s *Service) UnprotectBranch(ctx context.Context, sc *Scope, name string) error {
	if err := sc.Require(auth.Maintainer); err != nil {
		return err
	}
	pb, err := s.store.ProtectedBranches().Get(ctx, sc.Project.GetId(), name)
	if errors.Is(err, store.ErrNotFound) {
		return ErrProtectedBranchNotFound
	}
	if err != nil {
		return err
	}
	if err := conditional.Check(ctx, conditional.Latest(pb.GetCreateTime())); err != nil {
		return err
	}
	return s.store.ProtectedBranches().Delete(ctx, pb)
}

// Protects reports whether any of the protections covers branchName (see
// BranchRules).
func Protects(protections []*storagev1.ProtectedBranch, branchName string) bool {
	return NewBranchRules(protections).Protected(branchName)
}
