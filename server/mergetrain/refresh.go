package mergetrain

import (
	"context"
	"errors"
	"fmt"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

const (
	// leaseTTL bounds one round of a train's refresh, and is renewed every
	// round; a replica that dies holding it is taken over this much later.
	leaseTTL = 15 * time.Second
	// maxRounds bounds the plans applied in one refresh; a train settles in
	// a few, each round moving it forward.
	maxRounds = 50
	// backstop re-examines every train with active cars this often, in case
	// an event that should have woken a train was lost.
	backstop = 5 * time.Second
	// keptComplete is how many merged cars a snapshot carries, so pushes
	// they made to the target are recognised (GitLab keeps 20).
	keptComplete = 20
)

// errStop ends the application of a plan: something was recorded (an Abort)
// that the next plan must see.
var errStop = errors.New("plan stopped")

// Run refreshes trains until ctx ends: every train marked dirty, woken by
// events (pipelines, merge requests, status checks) and a periodic backstop.
func (s *Service) Run(ctx context.Context) {
	events, cancel := s.events.SubscribeAll()
	defer cancel()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-events:
				s.react(ctx, e)
			}
		}
	}()
	last := time.Now()
	loop.Run(ctx, "trains", 500*time.Millisecond, s.wake, s.logger, func(ctx context.Context) error {
		if time.Since(last) >= backstop {
			last = time.Now()
			if err := s.markActive(ctx); err != nil {
				return err
			}
		}
		return s.RefreshDirty(ctx)
	})
}

// react marks the trains of a project dirty and gives armed merge requests
// their chance to join, after anything that can move a train.
func (s *Service) react(ctx context.Context, e event.Event) {
	switch e.Kind {
	case event.MergeRequestChanged, event.StatusCheckChanged, event.PipelineChanged:
	default:
		return
	}
	cars, err := s.store.Cars().List(ctx, e.ProjectID)
	if err != nil {
		s.logger.WarnContext(ctx, "react to event", "error", err)
		return
	}
	marked := map[string]bool{}
	for _, c := range cars {
		if train.State(c.GetState()).Refreshable() && !marked[c.GetTargetBranch()] {
			marked[c.GetTargetBranch()] = true
			if err := s.markDirty(ctx, e.ProjectID, c.GetTargetBranch()); err != nil {
				s.logger.WarnContext(ctx, "mark train", "error", err)
			}
		}
	}
	if err := s.autoMerge(ctx, e.ProjectID, e.MergeRequestIID); err != nil {
		s.logger.WarnContext(ctx, "auto-merge", "project_id", e.ProjectID, "error", err)
	}
}

// Pushed follows a push to the project's repository: every train with
// refreshable cars is refreshed, and the refresh sees whether its target
// moved under it.
func (s *Service) Pushed(ctx context.Context, p *storagev1.Project) {
	s.react(ctx, event.Event{Kind: event.MergeRequestChanged, ProjectID: p.GetId()})
}

// Settle brings every train to rest now, in this goroutine: armed merge
// requests get their chance to join and every train is refreshed until none
// is marked. Tests that need a deterministic order call it instead of Run.
func (s *Service) Settle(ctx context.Context) error {
	if err := s.markActive(ctx); err != nil {
		return err
	}
	for range maxRounds {
		dirty, err := s.store.Cars().Dirty(ctx)
		if err != nil || len(dirty) == 0 {
			return err
		}
		if err := s.RefreshDirty(ctx); err != nil {
			return err
		}
	}
	return fmt.Errorf("trains did not settle in %d rounds", maxRounds)
}

// markActive marks every train with refreshable cars dirty.
func (s *Service) markActive(ctx context.Context) error {
	ids, err := s.store.Projects().IDs(ctx)
	if err != nil {
		return err
	}
	for _, pid := range ids {
		s.react(ctx, event.Event{Kind: event.MergeRequestChanged, ProjectID: pid})
	}
	return nil
}

// RefreshDirty refreshes every train marked dirty that no other replica is
// refreshing.
func (s *Service) RefreshDirty(ctx context.Context) error {
	dirty, err := s.store.Cars().Dirty(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range dirty {
		errs = append(errs, s.Refresh(ctx, t))
	}
	return errors.Join(errs...)
}

// Refresh brings one train up to date under its lease: it plans with
// train.Schedule and applies the plan, again and again until nothing is left
// to do.
func (s *Service) Refresh(ctx context.Context, t store.TrainRef) error {
	lease := "train:" + itoa(t.ProjectID) + ":" + t.Branch
	ok, err := s.store.Leases().Acquire(ctx, lease, s.holder, leaseTTL)
	if err != nil || !ok {
		return err // another replica has it, and the mark stays for it
	}
	defer s.store.Leases().Release(context.WithoutCancel(ctx), lease, s.holder)
	// Claim the mark first: a change during this refresh marks it again.
	if _, err := s.store.Cars().ClaimDirty(ctx, t); err != nil {
		return err
	}
	p, err := s.store.Projects().Get(ctx, t.ProjectID)
	if err != nil {
		return err
	}
	for range maxRounds {
		if ok, err := s.store.Leases().Renew(ctx, lease, s.holder, leaseTTL); err != nil || !ok {
			// Lost (a pause longer than the TTL): the new holder goes on.
			return errors.Join(err, s.retryLater(ctx, t, errors.New("train lease lost")))
		}
		snap, cars, err := s.snapshot(ctx, p, t.Branch)
		if err != nil {
			return s.retryLater(ctx, t, err)
		}
		plan, err := train.Schedule(snap)
		if err != nil {
			return s.retryLater(ctx, t, err)
		}
		if len(plan) == 0 {
			return nil
		}
		if err := s.apply(ctx, p, t.Branch, cars, plan); err != nil && !errors.Is(err, errStop) {
			return s.retryLater(ctx, t, err)
		}
	}
	return s.retryLater(ctx, t, fmt.Errorf("train %d/%s did not settle in %d rounds", t.ProjectID, t.Branch, maxRounds))
}

func (s *Service) retryLater(ctx context.Context, t store.TrainRef, err error) error {
	if markErr := s.store.Cars().MarkDirty(context.WithoutCancel(ctx), t.ProjectID, t.Branch); markErr != nil {
		return errors.Join(err, markErr)
	}
	return err
}

// snapshot loads a train as train.Schedule sees it.
func (s *Service) snapshot(ctx context.Context, p *storagev1.Project, branch string) (train.Snapshot, map[int64]*storagev1.Car, error) {
	snap := train.Snapshot{
		Limit:          int(p.GetSettings().GetMaxPipelinesPerMergeTrain()),
		TrainsDisabled: !p.GetSettings().GetMergeTrainsEnabled(),
	}
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return snap, nil, err
	}
	branches, err := repo.Branches(ctx)
	if err != nil {
		return snap, nil, err
	}
	snap.TargetSHA = branches[branch]
	all, err := s.trainCars(ctx, p.GetId(), branch)
	if err != nil {
		return snap, nil, err
	}
	complete := 0
	for i := len(all) - 1; i >= 0; i-- {
		if train.State(all[i].GetState()).Complete() && train.State(all[i].GetState()) != train.StateMerging {
			complete++
			if complete > keptComplete {
				all = append(all[:i], all[i+1:]...)
			}
		}
	}
	byID := make(map[int64]*storagev1.Car, len(all))
	for _, c := range all {
		byID[c.GetId()] = c
		car, err := s.snapshotCar(ctx, p, c)
		if err != nil {
			return snap, nil, err
		}
		snap.Cars = append(snap.Cars, car)
	}
	return snap, byID, nil
}

func (s *Service) snapshotCar(ctx context.Context, p *storagev1.Project, c *storagev1.Car) (train.Car, error) {
	car := train.Car{ID: c.GetId(), State: train.State(c.GetState()), MergeSHA: c.GetMergeSha()}
	if c.GetAbortReason() != 0 {
		car.Abort = &train.Cause{Reason: train.Reason(c.GetAbortReason()), Detail: c.GetAbortDetail(), Paths: c.GetAbortPaths()}
	}
	if !car.State.Refreshable() {
		return car, nil
	}
	if c.GetPipelineId() != 0 {
		pl, err := s.store.Pipelines().Get(ctx, p.GetId(), c.GetPipelineId())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return car, err
		}
		car.Pipeline = &train.Pipeline{ID: c.GetPipelineId(), SHA: c.GetTrainSha(), BaseCar: c.GetBaseCarId(), BaseSHA: c.GetBaseSha()}
		if pl != nil {
			car.Pipeline.Status = trainStatus(pipeline.Status(pl.GetStatus()))
		}
	}
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
	if err != nil {
		return car, err
	}
	switch signalboxv1.MergeRequestState(mr.GetState()) {
	case signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED:
		car.MergeRequest.State = train.MergeRequestOpen
	case signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_MERGED:
		car.MergeRequest.State = train.MergeRequestMerged
	default:
		car.MergeRequest.State = train.MergeRequestClosed
	}
	car.MergeRequest.Draft = mr.GetDraft()
	car.MergeRequest.Broken = mr.GetSourceMissing()
	car.MergeRequest.AutoMergeDisabled = mr.GetAutoMergeStrategy() != "merge_train"
	car.MergeRequest.SourceChanged = mr.GetHeadSha() != c.GetHeadSha()
	car.MergeRequest.Checks = train.ChecksPassed
	if p.GetSettings().GetOnlyAllowMergeIfAllStatusChecksPassed() {
		passed, failed, err := s.checks.Outcome(ctx, p, mr)
		if err != nil {
			return car, err
		}
		switch {
		case failed:
			car.MergeRequest.Checks = train.ChecksFailed
		case !passed:
			car.MergeRequest.Checks = train.ChecksPending
		}
	}
	return car, nil
}

func trainStatus(s pipeline.Status) train.PipelineStatus {
	switch s {
	case pipeline.Pending:
		return train.PipelinePending
	case pipeline.Running:
		return train.PipelineRunning
	case pipeline.Success, pipeline.Skipped:
		return train.PipelineSuccess
	case pipeline.Failed:
		return train.PipelineFailed
	case pipeline.Canceled:
		return train.PipelineCanceled
	}
	return train.PipelineCreated
}

// apply carries out a plan in order; it stops at the first failure.
func (s *Service) apply(ctx context.Context, p *storagev1.Project, branch string, cars map[int64]*storagev1.Car, plan []train.Action) error {
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	for _, a := range plan {
		c := cars[a.CarID()]
		if c == nil {
			return fmt.Errorf("plan names unknown car %d", a.CarID())
		}
		s.logger.DebugContext(ctx, "train action", "project_id", p.GetId(), "target_branch", branch, "action", a.String())
		switch a := a.(type) {
		case train.Build:
			err = s.build(ctx, p, repo, c, a, cars)
		case train.CancelPipeline:
			err = s.pipelines.Cancel(ctx, p, a.Pipeline)
		case train.Drop:
			err = s.drop(ctx, p, repo, c, a.Cause)
		case train.StartMerge:
			err = s.startMerge(ctx, c)
		case train.FinishMerge:
			err = s.finishMerge(ctx, p, repo, c, a, branch, cars)
		default:
			err = fmt.Errorf("unknown action %T", a)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// abort records why a car must leave, for the next plan to drop it.
func (s *Service) abort(ctx context.Context, c *storagev1.Car, cause train.Cause) error {
	c.AbortReason, c.AbortDetail, c.AbortPaths = int32(cause.Reason), cause.Detail, cause.Paths
	if err := s.store.Cars().Update(ctx, c); err != nil {
		return err
	}
	return errStop
}

// build makes a car's train commit on the car ahead (or the target branch),
// points refs/merge-requests/<iid>/train at it and starts its pipeline.
func (s *Service) build(ctx context.Context, p *storagev1.Project, repo repository.Repository, c *storagev1.Car, a train.Build, cars map[int64]*storagev1.Car) error {
	branches, err := repo.Branches(ctx)
	if err != nil {
		return err
	}
	base := branches[c.GetTargetBranch()]
	if a.On != 0 {
		base = cars[a.On].GetTrainSha()
	}
	if base == "" {
		return s.abort(ctx, c, train.Cause{Reason: train.ReasonPreviousRefMissing})
	}
	mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
	if err != nil {
		return err
	}
	landing, err := s.landing(ctx, p, repo, c, mr, base)
	var conflict *repository.ConflictError
	if errors.As(err, &conflict) {
		return s.abort(ctx, c, train.Cause{Reason: train.ReasonConflict, Paths: conflict.Paths})
	}
	if err != nil {
		return err
	}
	if err := repo.SetRef(ctx, trainRef(c.GetMergeRequestIid()), landing.SHA); err != nil {
		return err
	}
	pl, err := s.pipelines.Create(ctx, p, landing.SHA, trainRef(c.GetMergeRequestIid()), "merge_request_event", c.GetUserId())
	if err != nil {
		return s.abort(ctx, c, train.Cause{Reason: train.ReasonPipelineNotCreated, Detail: err.Error()})
	}
	next, err := train.State(c.GetState()).RefreshPipeline()
	if err != nil {
		return err
	}
	c.State, c.PipelineId, c.TrainSha, c.BaseCarId, c.BaseSha = int32(next), pl.GetId(), landing.SHA, a.On, base
	c.UpdateTime = nowProto(s.clock)
	if err := s.store.Cars().Update(ctx, c); err != nil {
		return err
	}
	s.publish(ctx, c)
	return nil
}

// landing is the commit that would land the car's merge request on base,
// honouring the project's merge method and the car's squash. For
// fast-forward and semi-linear projects a merge request not rebased on base
// is rebased first, commit by commit, as GitLab's fast-forward trains do.
func (s *Service) landing(ctx context.Context, p *storagev1.Project, repo repository.Repository, c *storagev1.Car, mr *storagev1.MergeRequest, base string) (repository.Landing, error) {
	who, err := s.store.Users().Get(ctx, c.GetUserId())
	if err != nil {
		return repository.Landing{}, err
	}
	when := c.GetCreateTime().AsTime()
	spec := repository.MergeSpec{
		Target: base, Source: c.GetHeadSha(), Method: methodName(p), Squash: c.GetSquash(),
		SourceBranch: mr.GetSourceBranch(), TargetBranch: mr.GetTargetBranch(), Title: mr.GetTitle(),
		ProjectPath: p.GetNamespacePath() + "/" + p.GetPath(), IID: mr.GetIid(),
		AuthorName: who.GetName(), AuthorEmail: who.GetEmail(), Time: when,
	}
	landing, err := repo.BuildMerge(ctx, spec)
	if !errors.Is(err, repository.ErrNeedsRebase) {
		return landing, err
	}
	rebased, err := repo.Rebase(ctx, base, c.GetHeadSha(), who.GetName(), who.GetEmail(), when)
	if err != nil {
		return repository.Landing{}, err
	}
	spec.Source = rebased
	return repo.BuildMerge(ctx, spec)
}

func methodName(p *storagev1.Project) string {
	switch signalboxv1.MergeMethod(p.GetSettings().GetMergeMethod()) {
	case signalboxv1.MergeMethod_MERGE_METHOD_FF:
		return "ff"
	case signalboxv1.MergeMethod_MERGE_METHOD_REBASE_MERGE:
		return "rebase_merge"
	}
	return "merge"
}

// drop takes a car off the train, saying why in a note, as GitLab does.
func (s *Service) drop(ctx context.Context, p *storagev1.Project, repo repository.Repository, c *storagev1.Car, cause train.Cause) error {
	if err := s.removeCar(ctx, p, c); err != nil {
		return err
	}
	if err := s.mergeRequests.ClearAutoMerge(ctx, p, c.GetMergeRequestIid()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.note(ctx, p.GetId(), c.GetMergeRequestIid(), c.GetUserId(), cause.Note(s.externalURL))
	s.logger.InfoContext(ctx, "car dropped", "project_id", p.GetId(), "mr_iid", c.GetMergeRequestIid(), "reason", cause.Reason.String())
	return nil
}

// removeCar deletes a car, its pipeline cancelled and its train ref gone.
func (s *Service) removeCar(ctx context.Context, p *storagev1.Project, c *storagev1.Car) error {
	if c.GetPipelineId() != 0 {
		if err := s.pipelines.Cancel(ctx, p, c.GetPipelineId()); err != nil {
			return err
		}
	}
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	if err := repo.DeleteRef(ctx, trainRef(c.GetMergeRequestIid())); err != nil {
		// A stale ref is harmless; a car that cannot leave is not.
		s.logger.WarnContext(ctx, "delete train ref", "project_id", p.GetId(), "mr_iid", c.GetMergeRequestIid(), "error", err)
	}
	if err := s.store.Cars().Delete(ctx, c); err != nil {
		return err
	}
	s.publish(ctx, c)
	return nil
}

func (s *Service) startMerge(ctx context.Context, c *storagev1.Car) error {
	next, err := train.State(c.GetState()).StartMerge()
	if err != nil {
		return err
	}
	c.State, c.UpdateTime = int32(next), nowProto(s.clock)
	return s.store.Cars().Update(ctx, c)
}

// finishMerge lands a car exactly once: the target moves to the tested
// commit only from the head it was tested on (a compare-and-swap), and a
// target that already contains it (a retry after a crash) is left alone.
func (s *Service) finishMerge(ctx context.Context, p *storagev1.Project, repo repository.Repository, c *storagev1.Car, a train.FinishMerge, branch string, cars map[int64]*storagev1.Car) error {
	branches, err := repo.Branches(ctx)
	if err != nil {
		return err
	}
	target := branches[branch]
	if c.GetMergeSha() != "" {
		// A landing other than the tested commit was chosen (and written
		// down) before a crash; it is the one that may have landed.
		a.SHA = c.GetMergeSha()
	}
	landed, err := repo.IsAncestor(ctx, a.SHA, target)
	if err != nil {
		return err
	}
	if !landed && target != a.From && skippedTo(cars, target) {
		// A merge request skipped the train and the project allows it: its
		// push is known and the train kept its pipelines, so this car lands
		// on the new target, as GitLab merges it then.
		mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), c.GetMergeRequestIid())
		if err != nil {
			return err
		}
		onTarget, err := s.landing(ctx, p, repo, c, mr, target)
		var conflict *repository.ConflictError
		if errors.As(err, &conflict) {
			return s.abort(ctx, c, train.Cause{Reason: train.ReasonMergeFailed, Detail: "it conflicts with a merge request that skipped the train"})
		}
		if err != nil {
			return err
		}
		a.SHA, a.From = onTarget.SHA, target
		c.MergeSha = a.SHA
		if err := s.store.Cars().Update(ctx, c); err != nil {
			return err
		}
	}
	if !landed {
		if target != a.From {
			return s.abort(ctx, c, train.Cause{Reason: train.ReasonMergeFailed, Detail: "the target branch moved"})
		}
		if err := repo.MoveBranch(ctx, branch, a.SHA, a.From); errors.Is(err, repository.ErrBranchMoved) {
			return s.abort(ctx, c, train.Cause{Reason: train.ReasonMergeFailed, Detail: "the target branch moved"})
		} else if err != nil {
			return err
		}
		// The worst moment to die: merged in git, not yet in the store.
		s.crash.Here("train.merge.moved")
	}
	landing, err := s.describeLanding(ctx, repo, a.SHA, c.GetSquash())
	if err != nil {
		return err
	}
	if err := s.mergeRequests.RecordMerged(ctx, p, c.GetMergeRequestIid(), landing, c.GetUserId()); err != nil {
		return err
	}
	next, err := train.State(c.GetState()).FinishMerge()
	if err != nil {
		return err
	}
	now := nowProto(s.clock)
	c.State, c.MergeSha, c.MergeTime, c.UpdateTime = int32(next), a.SHA, now, now
	if err := s.store.Cars().Update(ctx, c); err != nil {
		return err
	}
	if err := repo.DeleteRef(ctx, trainRef(c.GetMergeRequestIid())); err != nil {
		s.logger.WarnContext(ctx, "delete train ref", "project_id", p.GetId(), "mr_iid", c.GetMergeRequestIid(), "error", err)
	}
	s.logger.InfoContext(ctx, "car merged", "project_id", p.GetId(), "mr_iid", c.GetMergeRequestIid(), "sha", a.SHA)
	s.publish(ctx, c)
	return nil
}

// skippedTo reports whether sha is what a merge request that skipped the
// train (and was allowed to) landed.
func skippedTo(cars map[int64]*storagev1.Car, sha string) bool {
	for _, c := range cars {
		if train.State(c.GetState()) == train.StateSkipMerged && c.GetMergeSha() == sha {
			return true
		}
	}
	return false
}

// describeLanding names the merge and squash commits of a landed train
// commit, as GitLab reports them.
func (s *Service) describeLanding(ctx context.Context, repo repository.Repository, sha string, squash bool) (repository.Landing, error) {
	c, err := repo.Commit(ctx, sha)
	if err != nil {
		return repository.Landing{}, err
	}
	l := repository.Landing{SHA: sha}
	switch {
	case len(c.ParentIDs) >= 2:
		l.MergeCommitSHA = sha
		if squash {
			l.SquashCommitSHA = c.ParentIDs[1]
		}
	case squash:
		l.SquashCommitSHA = sha
	}
	return l, nil
}

func (s *Service) publish(ctx context.Context, c *storagev1.Car) {
	s.events.Publish(ctx, event.Event{Kind: event.PipelineChanged, ProjectID: c.GetProjectId(), MergeRequestIID: c.GetMergeRequestIid()})
}
