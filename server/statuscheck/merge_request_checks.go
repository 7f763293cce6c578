package statuscheck

import (
	"context"
	"errors"
	"strings"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// CheckStatus is a check that applies to a merge request, with its status
// at the merge request's head.
type CheckStatus struct {
	Check  *Check
	Status signalboxv1.StatusCheckStatus
	// URL is what the caller may see of the check's URL: without its query
	// string for developers and above, empty for other readers, since query
	// strings often carry credentials.
	URL string
}

// ForMergeRequest lists the checks that apply to a merge request and their
// status at its head (GitLab's E5). Reporters and above, or signed-in readers
// of an internal project.
func (s *Service) ForMergeRequest(ctx context.Context, sc *project.Scope, iid int64) ([]CheckStatus, error) {
	mr, err := s.mergeRequest(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	internal := signalboxv1.Visibility(sc.Project.GetVisibility()) == signalboxv1.Visibility_VISIBILITY_INTERNAL
	if sc.Level < auth.Reporter && !(internal && sc.Caller != nil) {
		return nil, auth.ErrForbidden
	}
	statuses, err := s.statuses(ctx, sc.Project, mr)
	if err != nil {
		return nil, err
	}
	for i := range statuses {
		if sc.Level >= auth.Developer {
			statuses[i].URL, _, _ = strings.Cut(statuses[i].Check.Record.GetExternalUrl(), "?")
		}
	}
	return statuses, nil
}

// statuses computes every applicable check's status at the head of mr.
func (s *Service) statuses(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) ([]CheckStatus, error) {
	checks, err := s.applicable(ctx, p.GetId(), mr.GetTargetBranch())
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(checks))
	for i, c := range checks {
		ids[i] = c.Record.GetId()
	}
	newest, err := s.store.Responses().Newest(ctx, p.GetId(), mr.GetIid(), mr.GetHeadSha(), ids)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := make([]CheckStatus, len(checks))
	for i, c := range checks {
		out[i] = CheckStatus{Check: c, Status: statusAt(newest[c.Record.GetId()], now)}
	}
	return out, nil
}

// AllPassed reports whether every check that applies to mr has passed at
// its head; true when none apply. Mergeability asks this.
func (s *Service) AllPassed(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) (bool, error) {
	statuses, err := s.statuses(ctx, p, mr)
	if err != nil {
		return false, err
	}
	for _, st := range statuses {
		if st.Status != signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED {
			return false, nil
		}
	}
	return true, nil
}

// statusAt is a response's status as of now: no response is pending (a check
// nobody has answered), and a pending response past its deadline is failed
// even before the sweeper has written that down.
func statusAt(r *storagev1.StatusCheckResponse, now time.Time) signalboxv1.StatusCheckStatus {
	if r == nil {
		return signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING
	}
	st := signalboxv1.StatusCheckStatus(r.GetStatus())
	if st == signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING && r.GetDeadline() != nil && !now.Before(r.GetDeadline().AsTime()) {
		return signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED
	}
	return st
}

// mergeRequest finds a merge request of a project the caller can see. Role
// checks come after, so that a guest hears 403, not 404, as in GitLab.
func (s *Service) mergeRequest(ctx context.Context, sc *project.Scope, iid int64) (*storagev1.MergeRequest, error) {
	mr, err := s.store.MergeRequests().Get(ctx, sc.Project.GetId(), iid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrMergeRequestNotFound
	}
	return mr, err
}

// Outcome sums up the checks that apply to mr at its head: passed when all
// have passed (or none apply), failed when any has failed.
func (s *Service) Outcome(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest) (passed, failed bool, err error) {
	statuses, err := s.statuses(ctx, p, mr)
	if err != nil {
		return false, false, err
	}
	all := make([]signalboxv1.StatusCheckStatus, len(statuses))
	for i, st := range statuses {
		all[i] = st.Status
	}
	passed, failed = sumUp(all)
	return passed, failed, nil
}

// sumUp is passed when every status passed (or there is none), failed
// when any failed.
func sumUp(statuses []signalboxv1.StatusCheckStatus) (passed, failed bool) {
	passed = true
	for _, st := range statuses {
		switch st {
		case signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED:
		case signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED:
			passed, failed = false, true
		default:
			passed = false
		}
	}
	return passed, failed
}
