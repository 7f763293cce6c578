package statuscheck

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

// UpdateParams are the fields to change; nil leaves a field alone.
type UpdateParams struct {
	Name         *string
	ExternalURL  *string
	SharedSecret *string // "" removes the secret
	// ProtectedBranchIDs replaces the set when not nil; an empty set applies
	// the check to every branch.
	ProtectedBranchIDs *[]int64
	TimeoutSeconds     *int32
}

// Update changes a check, in GitLab's order: the check must exist, then the
// caller must be a maintainer, then the result must pass the rules.
func (s *Service) Update(ctx context.Context, sc *project.Scope, id int64, p UpdateParams) (*Check, error) {
	pid := sc.Project.GetId()
	old, err := s.get(ctx, pid, id)
	if err != nil {
		return nil, err
	}
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	updated := proto.CloneOf(old)
	if p.Name != nil {
		updated.Name = *p.Name
	}
	if p.ExternalURL != nil {
		updated.ExternalUrl = *p.ExternalURL
	}
	if p.ProtectedBranchIDs != nil {
		if err := s.branches(ctx, pid, *p.ProtectedBranchIDs); err != nil {
			return nil, err
		}
		updated.ProtectedBranchIds = *p.ProtectedBranchIDs
	}
	if p.TimeoutSeconds != nil {
		updated.TimeoutSeconds = *p.TimeoutSeconds
	}
	existing, err := s.store.Checks().List(ctx, pid)
	if err != nil {
		return nil, err
	}
	if err := s.validateCandidate(existing, updated); err != nil {
		return nil, err
	}
	if p.SharedSecret != nil {
		if updated.SealedSecret, err = s.sealSecret(pid, *p.SharedSecret); err != nil {
			return nil, err
		}
	}
	updated.UpdateTime = timestamppb.New(s.clock.Now())
	if err := s.store.Checks().Update(ctx, old, updated); err != nil {
		return nil, takenViolations(err)
	}
	s.logger.InfoContext(ctx, "status check updated", "project_id", pid, "check_id", id, "hmac", len(updated.GetSealedSecret()) > 0)
	s.warnIfLocal(ctx, updated)
	checks, err := s.withBranches(ctx, pid, updated)
	if err != nil {
		return nil, err
	}
	return checks[0], nil
}
