package mergetrain

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/train"
)

// Status checks that follow the merge train (docs/train-checks.md). The
// train's owner, at the start of every round of a refresh, brings the asks
// in line with the train record: every built car is asked about once, and
// every ask whose car moved on is settled. Both are idempotent and each is
// one write in the store, so the train record is their outbox: after a
// crash, the next owner finds a built car without an ask, or an ask
// without its car, and finishes the job.

// followChecks settles the asks of cars that moved on, then asks about
// every built car that has no ask yet.
func (s *Service) followChecks(ctx context.Context, p *storagev1.Project, t *storagev1.Train) error {
	asks, err := s.store.Responses().CarAsks(ctx, p.GetId())
	if err != nil {
		return err
	}
	live := map[string]*storagev1.Car{}
	for _, c := range t.GetCars() {
		if askable(c) {
			live[askKey(c.GetMergeRequestIid(), c.GetTrainSha())] = c
		}
	}
	asked := map[string]bool{}
	for _, a := range asks {
		if a.GetTargetBranch() != t.GetTargetBranch() {
			continue
		}
		key := askKey(a.GetMergeRequestIid(), a.GetSha())
		if c := live[key]; c != nil && c.GetId() == a.GetCarId() {
			asked[key] = true
			continue
		}
		if err := s.checks.SettleCar(ctx, p, a); err != nil {
			return err
		}
	}
	if !statuscheck.FollowsTrain(p) {
		return nil
	}
	position := 0
	for _, c := range t.GetCars() {
		if !train.State(c.GetState()).Refreshable() {
			continue
		}
		position++
		if !askable(c) || asked[askKey(c.GetMergeRequestIid(), c.GetTrainSha())] {
			continue
		}
		if err := s.askCar(ctx, p, c, position); err != nil {
			return err
		}
	}
	return nil
}

// askable: the car holds a train commit that may land (it is built and
// current, or landing); a stale car's commit is about to be replaced.
func askable(c *storagev1.Car) bool {
	st := train.State(c.GetState())
	return c.GetTrainSha() != "" && (st == train.StateFresh || st == train.StateMerging)
}

func askKey(iid int64, sha string) string { return itoa(iid) + ":" + sha }

// askCar asks the checks about one car's commit.
func (s *Service) askCar(ctx context.Context, p *storagev1.Project, c *storagev1.Car, position int) error {
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
	if err != nil {
		return err
	}
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	commit, err := repo.Commit(ctx, c.GetTrainSha())
	if err != nil {
		return err
	}
	return s.checks.AskCar(ctx, p, mr, statuscheck.Car{
		ID: c.GetId(), TrainRef: trainRef(c.GetMergeRequestIid()), SHA: c.GetTrainSha(), TreeSHA: commit.TreeID,
		TargetBranch: c.GetTargetBranch(), Position: position, UserID: c.GetUserId(),
	})
}

// carChecks is the verdict of the checks asked about a car's commit, when
// the project follows the train with them and requires them to pass.
func (s *Service) carChecks(ctx context.Context, p *storagev1.Project, c *storagev1.Car, mr *storagev1.MergeRequest) (train.CarChecks, error) {
	if !statuscheck.FollowsTrain(p) || !p.GetSettings().GetOnlyAllowMergeIfAllStatusChecksPassed() ||
		train.State(c.GetState()) != train.StateFresh || c.GetTrainSha() == "" {
		return train.CarChecksNone, nil
	}
	passed, failed, err := s.checks.CarOutcome(ctx, p, mr, c.GetTrainSha())
	switch {
	case err != nil:
		return train.CarChecksNone, err
	case failed:
		return train.CarChecksFailed, nil
	case passed:
		return train.CarChecksPassed, nil
	}
	return train.CarChecksPending, nil
}

// carCheckViews are the checks asked about a car's commit, for its entity:
// none unless the project follows the train with them.
func (s *Service) carCheckViews(ctx context.Context, v *CarView) error {
	c := v.Car
	if c.GetTrainSha() == "" {
		return nil
	}
	p, err := s.store.Projects().Get(ctx, c.GetProjectId())
	if err != nil || !statuscheck.FollowsTrain(p) {
		return err
	}
	statuses, err := s.checks.CarStatuses(ctx, p, v.MergeRequest, c.GetTrainSha())
	if err != nil {
		return err
	}
	for _, st := range statuses {
		if st.Response == nil || st.Response.GetCarId() == 0 {
			continue // not asked about this commit
		}
		v.Checks = append(v.Checks, CarCheck{
			CheckID: st.Check.Record.GetId(), Name: st.Check.Record.GetName(), SHA: c.GetTrainSha(),
			Status: st.Status, ReusedFrom: st.Response.GetReusedFromSha(), Obsolete: st.Response.GetObsolete(),
		})
	}
	return nil
}
