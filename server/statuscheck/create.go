package statuscheck

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

// CreateParams describe a new check.
type CreateParams struct {
	Name               string
	ExternalURL        string
	SharedSecret       string
	ProtectedBranchIDs []int64
	TimeoutSeconds     int32
}

// Create adds a check, in GitLab's order: permission, protected branches,
// then the rules on the project's whole set of checks. Maintainers and above.
func (s *Service) Create(ctx context.Context, sc *project.Scope, p CreateParams) (*Check, error) {
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	pid := sc.Project.GetId()
	if err := s.branches(ctx, pid, p.ProtectedBranchIDs); err != nil {
		return nil, err
	}
	now := timestamppb.New(s.clock.Now())
	rec := &storagev1.StatusCheck{
		ProjectId:          pid,
		Name:               p.Name,
		ExternalUrl:        p.ExternalURL,
		ProtectedBranchIds: p.ProtectedBranchIDs,
		TimeoutSeconds:     p.TimeoutSeconds,
		CreateTime:         now,
		UpdateTime:         now,
	}
	existing, err := s.store.Checks().List(ctx, pid)
	if err != nil {
		return nil, err
	}
	if err := s.validateCandidate(existing, rec); err != nil {
		return nil, err
	}
	if rec.SealedSecret, err = s.sealSecret(pid, p.SharedSecret); err != nil {
		return nil, err
	}
	// The rules above catch a duplicate in the common case; the store's
	// atomic claim catches the concurrent one.
	rec, err = s.store.Checks().Create(ctx, rec)
	if err != nil {
		return nil, takenViolations(err)
	}
	s.logger.InfoContext(ctx, "status check created", "project_id", pid, "check_id", rec.GetId(), "hmac", len(rec.GetSealedSecret()) > 0)
	s.warnIfLocal(ctx, rec)
	checks, err := s.withBranches(ctx, pid, rec)
	if err != nil {
		return nil, err
	}
	return checks[0], nil
}
