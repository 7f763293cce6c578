package train

// Schedule decides one refresh of the train in s (GitLab's refresh service,
// spec 3.5) and returns the plan: the actions to apply, in order. It is pure:
// no I/O, no clock, the same snapshot always gives the same plan. Applying the
// whole plan yields a train for which Schedule returns nothing until
// something changes (a pipeline finishes, an MR changes, a car joins).
//
// It walks the refreshable cars in id order, skipping merged and skip_merged
// ones, which neither count nor block. A flag, require_recreate, starts
// false.
//
//   - A merging car is finished (FinishMerge) whatever else changed: its merge
//     was decided, and finishing is idempotent. With Abort set (the caller
//     found the merge impossible) it is dropped instead.
//   - Once Limit cars hold pipelines, later cars are neither built nor
//     merged; they are only dropped if their MR must leave (the checks below
//     except those about pipelines). Cars merged or dropped in this plan free
//     their place, so the next car moves up in the same plan.
//   - Each active car is validated, first failure wins: Abort, trains
//     disabled, MR not open, broken, draft, auto-merge off, source branch
//     updated, no target branch for the first car, and its own pipeline
//     failed or was cancelled. A failing car is dropped (CancelPipeline if it
//     still runs, then Drop) and require_recreate is set.
//   - A car is rebuilt (CancelPipeline if it still runs, then Build on the car
//     kept ahead of it, or on the target branch for the first) when it has no
//     pipeline, is idle or stale, require_recreate is set, or its pipeline was
//     built on something else than what it would now be built on. Then
//     require_recreate is set: every car behind is rebuilt too.
//   - A car whose pipeline succeeded merges (StartMerge, FinishMerge) only when
//     it is effectively first: every refreshable car ahead merges or is
//     dropped in this plan. Otherwise it waits, fresh. Its MR's status checks
//     must have passed: pending ones make it wait, failed ones drop it.
//
// "What it would now be built on": behind another car, that car's current
// train commit. For the first car, the target head; a different base still
// counts when the target moved by a known push (the head is the MergeSHA of a
// merged or skip_merged car, as after a merge-immediately) unless the base
// was the commit of a car that left without merging. So a push to the target
// from outside the train, a car removed outside a refresh, or a refresh that
// crashed half-way all show up as a mismatch and are repaired by rebuilding.
//
// Deliberate difference from GitLab: a failed pipeline drops its car only if
// it tested the car's current base. A failure on a base that has since
// changed may come from a car ahead, so the car is rebuilt instead of being
// ejected for someone else's fault.
//
// The error is non-nil (and matches ErrInvalidSnapshot) only for a snapshot
// that breaks the contract of Snapshot.
func Schedule(s Snapshot) ([]Action, error) {
	if err := check(s); err != nil {
		return nil, err
	}
	limit := s.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	var (
		plan     []Action
		recreate bool // GitLab's require_recreate
		blocked  bool // an active car ahead stays unmerged
		slots    int  // cars that keep a pipeline after this plan
		// ahead is the car kept on the train just ahead of the next one; nil
		// when the next is first. aheadMerges: it lands in this plan, so the
		// next car builds on the target branch, which will be its commit.
		ahead       *Car
		aheadMerges bool
	)
	for i := range s.Cars {
		c := &s.Cars[i]
		if !c.State.Refreshable() {
			continue
		}
		if c.State == StateMerging {
			switch {
			case c.Abort != nil:
				plan = append(plan, Drop{Car: c.ID, Cause: *c.Abort})
				recreate = true
			case c.Pipeline == nil || c.Pipeline.SHA == "":
				plan = append(plan, Drop{Car: c.ID, Cause: Cause{Reason: ReasonMergeFailed, Detail: "the car has no tested commit"}})
				recreate = true
			default:
				plan = append(plan, FinishMerge{Car: c.ID, SHA: c.Pipeline.SHA, From: c.Pipeline.BaseSHA})
				ahead, aheadMerges = c, true
			}
			continue
		}
		if slots >= limit {
			// Nothing is built beyond the limit, but a car that must leave
			// (a cancel, a closed MR) leaves now, not when its turn comes.
			if cause := validate(s, c, false, false); cause != nil {
				plan = appendCancel(plan, c)
				plan = append(plan, Drop{Car: c.ID, Cause: *cause})
			}
			continue
		}
		current := !recreate && c.State == StateFresh && c.Pipeline != nil && builtOnBase(s, c.Pipeline, ahead)
		if cause := validate(s, c, ahead == nil, current); cause != nil {
			plan = appendCancel(plan, c)
			plan = append(plan, Drop{Car: c.ID, Cause: *cause})
			recreate = true
			continue
		}
		slots++
		if !current {
			on := int64(0)
			if ahead != nil && !aheadMerges {
				on = ahead.ID
			}
			plan = appendCancel(plan, c)
			plan = append(plan, Build{Car: c.ID, On: on})
			recreate, blocked = true, true
			ahead, aheadMerges = c, false
			continue
		}
		if c.Pipeline.Status == PipelineSuccess && !blocked {
			switch c.MergeRequest.Checks {
			case ChecksPassed:
				plan = append(plan,
					StartMerge{Car: c.ID},
					FinishMerge{Car: c.ID, SHA: c.Pipeline.SHA, From: c.Pipeline.BaseSHA})
				slots--
				ahead, aheadMerges = c, true
				continue
			case ChecksFailed:
				plan = append(plan, Drop{Car: c.ID, Cause: Cause{Reason: ReasonStatusChecksFailed}})
				slots--
				recreate = true
				continue
			}
		}
		// Running, or succeeded but waiting for the cars ahead or for checks.
		blocked = true
		ahead, aheadMerges = c, false
	}
	return plan, nil
}

// validate returns why the active car c must leave the train, or nil. first
// says no car is kept ahead of it; current says its pipeline tests the base
// it would be built on now, so a failure is its own.
func validate(s Snapshot, c *Car, first, current bool) *Cause {
	mr := c.MergeRequest
	var r Reason
	switch {
	case c.Abort != nil:
		return c.Abort
	case s.TrainsDisabled:
		r = ReasonTrainsDisabled
	case mr.State != MergeRequestOpen:
		r = ReasonClosed
	case mr.Broken:
		r = ReasonBroken
	case mr.Draft:
		r = ReasonDraft
	case mr.AutoMergeDisabled:
		r = ReasonNotAutoMerge
	case mr.SourceChanged:
		r = ReasonSourceBranchUpdated
	case first && s.TargetSHA == "":
		r = ReasonPreviousRefMissing
	case current && (c.Pipeline.Status == PipelineFailed || c.Pipeline.Status == PipelineCanceled):
		r = ReasonPipelineFailed
	default:
		return nil
	}
	return &Cause{Reason: r}
}

// builtOnBase reports whether p was built on what its car would be built on
// now: the train commit of ahead, or, for the first car, the target branch
// (see Schedule).
func builtOnBase(s Snapshot, p *Pipeline, ahead *Car) bool {
	if ahead != nil {
		return ahead.Pipeline != nil && p.BaseSHA == ahead.Pipeline.SHA
	}
	if s.TargetSHA == "" {
		return false
	}
	if p.BaseSHA == s.TargetSHA {
		return true
	}
	if p.BaseCar != 0 && !merged(s, p.BaseCar) {
		return false // built on a car that left without landing
	}
	for i := range s.Cars {
		c := &s.Cars[i]
		if (c.State == StateMerged || c.State == StateSkipMerged) && c.MergeSHA == s.TargetSHA {
			return true // the target moved by a known push
		}
	}
	return false
}

// merged reports whether car id is in s as merged.
func merged(s Snapshot, id int64) bool {
	for i := range s.Cars {
		if s.Cars[i].ID == id {
			return s.Cars[i].State == StateMerged
		}
	}
	return false
}

// appendCancel adds the cancel of c's pipeline when it has not finished.
func appendCancel(plan []Action, c *Car) []Action {
	if p := c.Pipeline; p != nil && !p.Status.Complete() {
		plan = append(plan, CancelPipeline{Car: c.ID, Pipeline: p.ID})
	}
	return plan
}

// check enforces the Snapshot contract.
func check(s Snapshot) error {
	if s.Limit < 0 {
		return invalid("negative limit %d", s.Limit)
	}
	var prev int64
	active := false
	for i := range s.Cars {
		c := &s.Cars[i]
		switch {
		case c.ID <= prev:
			return invalid("car %d follows car %d; ids must increase", c.ID, prev)
		case !c.State.Valid():
			return invalid("car %d has %s", c.ID, c.State)
		case c.State == StateMerging && active:
			return invalid("car %d is merging behind an active car", c.ID)
		case c.Pipeline != nil && (c.Pipeline.Status < PipelineCreated || c.Pipeline.Status > PipelineCanceled):
			return invalid("car %d: pipeline %d has %s", c.ID, c.Pipeline.ID, c.Pipeline.Status)
		case c.MergeRequest.State < MergeRequestOpen || c.MergeRequest.State > MergeRequestMerged:
			return invalid("car %d: merge request has %s", c.ID, c.MergeRequest.State)
		case c.MergeRequest.Checks < ChecksPending || c.MergeRequest.Checks > ChecksFailed:
			return invalid("car %d: merge request has %s", c.ID, c.MergeRequest.Checks)
		case c.Abort != nil && !c.Abort.Reason.Valid():
			return invalid("car %d: abort with %s", c.ID, c.Abort.Reason)
		}
		prev = c.ID
		active = active || c.State.Active()
	}
	return nil
}
