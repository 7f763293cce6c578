package train

// Schedule decides one refresh of the train in s (GitLab's refresh service,
// spec 3.5, with the differences below) and returns the plan: the actions
// to apply, in order. It is pure: no I/O, no clock, the same snapshot always
// gives the same plan. Applying the whole plan yields a train for which
// Schedule returns nothing until something changes (a pipeline finishes, an
// MR changes, a car joins); so does applying its first action and planning
// again, as the server does.
//
// It walks the refreshable cars in id order, skipping merged and skip_merged
// ones, which neither count nor block. A flag, require_recreate, starts
// false.
//
//   - A merging car is finished (FinishMerge) whatever else changed: its
//     landing was recorded, and finishing is idempotent. The cars behind it
//     wait for the next plan, when it is known whether it landed.
//   - A car whose MR must leave is dropped, first reason wins: trains
//     disabled, MR closed, retargeted, broken, draft, auto-merge off, source
//     branch updated, no target branch for the first car. An MR merged
//     outside the train makes its car skip_merged instead. The cars built on
//     a car that left no longer match their base, and are rebuilt.
//   - Once Limit cars hold pipelines, later cars are neither built nor
//     merged (they are still dropped when their MR must leave).
//   - A car is rebuilt (Build on the car kept ahead of it, or on the target
//     branch for the first) when it has no pipeline, is idle or stale,
//     require_recreate is set, or its pipeline was built on something else
//     than what it would now be built on. Then require_recreate is set:
//     every car behind is rebuilt too.
//   - A car whose pipeline succeeded merges only when it is effectively
//     first: every refreshable car ahead merges or leaves in this plan.
//     Otherwise it waits, fresh. Its MR's status checks must have passed:
//     pending ones make it wait, failed ones drop it.
//
// "What it would now be built on": behind another car, that car's current
// train commit. For the first car, the target head; a different base still
// counts when the target moved only by known pushes since the car was built:
// merges outside the train that the project lets trains keep their
// pipelines over (skip_merged cars with a MergeSHA). The car then lands by
// merging onto the moved target (Merge.Onto). Any other push to the target,
// forward or back, a car removed, or a refresh that stopped half-way shows
// up as a mismatch and is repaired by rebuilding, never by dropping.
//
// Failure attribution (Snapshot.Attribution). With AttributeGitLab, a car
// whose current pipeline failed, or that conflicts with its base, is dropped
// at once, even when the cause is a car ahead of it that has not finished
// (GitLab's gitlab#500693). With AttributeHold, the default, such a car is
// dropped only when its failure is established: every car kept ahead of it
// passed its pipeline (or there is none). Until then it is held: it neither
// merges nor serves as a base (the cars behind are built without it, on the
// bet that it is at fault), and nothing behind it merges. If a car ahead
// fails and leaves, the held car is rebuilt on what remains, with a fresh
// chance; if every car ahead passes, its failure is its own.
//
// The error is non-nil (and matches ErrInvalidSnapshot) only for a snapshot
// that breaks the contract of Snapshot.
func Schedule(s Snapshot) ([]Action, error) {
	if err := check(s); err != nil {
		return nil, err
	}
	if s.Strategy == StrategyBatched {
		return scheduleBatched(s), nil
	}
	limit := s.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	known := knownPushes(s)
	var (
		plan     []Action
		recreate bool // GitLab's require_recreate
		// blocked: some car ahead stays unmerged, so nothing behind merges
		// in this plan.
		blocked bool
		// passed: every car kept ahead passed its pipeline, so a failure
		// on top of them is the car's own.
		passed = true
		slots  int // cars that hold a pipeline after this plan
		// ahead is the car kept on the train just ahead of the next one
		// (its base); nil when the next is first. aheadMerges: it lands in
		// this plan by fast-forward, so the next car's base, the target,
		// will be its commit.
		ahead       *Car
		aheadMerges bool
		// landing: a merging car ahead is being finished in this plan.
		landing bool
	)
	for i := range s.Cars {
		c := &s.Cars[i]
		if !c.State.Refreshable() {
			continue
		}
		if c.State == StateMerging {
			plan = append(plan, FinishMerge{Car: c.ID})
			// Whether and where it lands is known only once it has: the
			// cars behind it wait for the next plan.
			ahead, landing = c, true
			continue
		}
		if a := leave(s, c, ahead == nil); a != nil {
			plan = append(plan, a)
			continue
		}
		if slots >= limit || landing {
			continue
		}
		base := s.TargetSHA // what c would be built on; unknown after a rebuild ahead
		switch {
		case recreate:
			base = ""
		case ahead != nil:
			base = trainSHA(ahead)
		}
		if f := c.Failure; f != nil && base != "" && f.BaseSHA == base {
			if passed || s.Attribution == AttributeGitLab || f.Cause.Reason != ReasonConflict {
				plan = append(plan, Drop{Car: c.ID, Cause: f.Cause, Cancel: running(c)})
				continue
			}
			blocked = true // held: it may conflict only with a car ahead that fails
			continue
		}
		current, onto := false, false
		if !recreate && c.State == StateFresh && c.Pipeline != nil && c.Pipeline.ID != 0 {
			current, onto = builtOn(s, known, c.Pipeline, ahead)
		}
		if current && (c.Pipeline.Verdict() == PipelineFailed || c.Pipeline.Verdict() == PipelineCanceled) {
			if passed || s.Attribution == AttributeGitLab {
				plan = append(plan, Drop{Car: c.ID, Cause: c.Pipeline.failure(), Cancel: running(c)})
				continue
			}
			blocked = true // held: the failure may come from a car ahead
			continue
		}
		slots++
		if !current {
			on := int64(0)
			if ahead != nil && !aheadMerges {
				on = ahead.ID
			}
			plan = append(plan, Build{Car: c.ID, On: on, Cancel: running(c)})
			recreate, blocked, passed = true, true, false
			ahead, aheadMerges = c, false
			continue
		}
		if c.Pipeline.Verdict() == PipelineSuccess && !blocked {
			switch c.MergeRequest.Checks {
			case ChecksPassed:
				m := Merge{Car: c.ID, SHA: c.Pipeline.SHA, From: c.Pipeline.BaseSHA}
				if onto {
					m = Merge{Car: c.ID, From: s.TargetSHA, Onto: true}
				}
				plan = append(plan, m)
				slots--
				// Onto lands a commit made then: the cars behind wait for it.
				ahead, aheadMerges, landing = c, true, onto
				continue
			case ChecksFailed:
				plan = append(plan, Drop{Car: c.ID, Cause: Cause{Reason: ReasonStatusChecksFailed}})
				slots--
				continue
			}
		}
		// Running, or passed but waiting for the cars ahead or for checks.
		if c.Pipeline.Verdict() != PipelineSuccess {
			passed = false
		}
		blocked = true
		ahead, aheadMerges = c, false
	}
	return plan, nil
}

// leave returns the action that takes c off the train because of its MR or
// the project (a Drop, or SkipMerged for an MR merged outside the train), or
// nil. first says no car is kept ahead of it.
func leave(s Snapshot, c *Car, first bool) Action {
	mr := c.MergeRequest
	var r Reason
	switch {
	case mr.State == MergeRequestMerged:
		return SkipMerged{Car: c.ID, Cancel: running(c)}
	case s.TrainsDisabled:
		r = ReasonTrainsDisabled
	case mr.State != MergeRequestOpen:
		r = ReasonClosed
	case mr.Retargeted:
		r = ReasonNotOnTrain
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
	default:
		return nil
	}
	return Drop{Car: c.ID, Cause: Cause{Reason: r}, Cancel: running(c)}
}

// running is c's pipeline when it has not finished (to be cancelled), or 0.
func running(c *Car) int64 {
	if p := c.Pipeline; p != nil && !p.Status.Complete() {
		return p.ID
	}
	return 0
}

// trainSHA is c's current train commit, or "" when it has none.
func trainSHA(c *Car) string {
	if c.Pipeline == nil {
		return ""
	}
	return c.Pipeline.SHA
}

// builtOn reports whether p was built on what its car would be built on now
// (see Schedule): the train commit of ahead, or, for the first car, the
// target head. onto says the target moved since by known pushes only, so
// the car lands by merging onto it.
func builtOn(s Snapshot, known map[string][]string, p *Pipeline, ahead *Car) (current, onto bool) {
	if ahead != nil {
		return ahead.Pipeline != nil && p.BaseSHA == ahead.Pipeline.SHA, false
	}
	switch {
	case s.TargetSHA == "":
		return false, false
	case p.BaseSHA == s.TargetSHA:
		return true, false
	case reaches(known, p.BaseSHA, s.TargetSHA):
		return true, true
	}
	return false, false
}

// knownPushes are the moves of the target a train keeps its pipelines over:
// for each skip_merged car with a MergeSHA (the project allows it), or car
// whose MR was merged outside the train and is about to be one, from the
// head it merged onto and from its own train commit (which cars behind it
// were built on) to what it landed; and for each car the train merged onto
// a target moved by such pushes, from its train commit to what it landed.
// The train's own fast-forwards need no edge: the target is then the very
// commit the next car was built on.
func knownPushes(s Snapshot) map[string][]string {
	edges := map[string][]string{}
	add := func(from, to string) {
		if from != "" && from != to {
			edges[from] = append(edges[from], to)
		}
	}
	for i := range s.Cars {
		c := &s.Cars[i]
		if c.MergeSHA == "" {
			continue
		}
		switch {
		case c.State == StateSkipMerged, c.State.Active() && c.MergeRequest.State == MergeRequestMerged:
			add(c.MergeFrom, c.MergeSHA)
			add(trainSHA(c), c.MergeSHA)
		case c.State == StateMerged:
			add(trainSHA(c), c.MergeSHA)
		}
	}
	return edges
}

// reaches reports whether to can be reached from from by known pushes.
func reaches(edges map[string][]string, from, to string) bool {
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, next := range edges[at] {
			if next == to {
				return true
			}
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return false
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
		case c.State == StateMerging && active && s.Strategy != StrategyBatched:
			return invalid("car %d is merging behind an active car", c.ID)
		case c.Pipeline != nil && (c.Pipeline.Status < PipelineCreated || c.Pipeline.Status > PipelineCanceled):
			return invalid("car %d: pipeline %d has %s", c.ID, c.Pipeline.ID, c.Pipeline.Status)
		case c.Pipeline != nil && (c.Pipeline.Checks < CarChecksNone || c.Pipeline.Checks > CarChecksFailed):
			return invalid("car %d: pipeline %d has checks %s", c.ID, c.Pipeline.ID, c.Pipeline.Checks)
		case c.MergeRequest.State < MergeRequestOpen || c.MergeRequest.State > MergeRequestMerged:
			return invalid("car %d: merge request has %s", c.ID, c.MergeRequest.State)
		case c.MergeRequest.Checks < ChecksPending || c.MergeRequest.Checks > ChecksFailed:
			return invalid("car %d: merge request has %s", c.ID, c.MergeRequest.Checks)
		case c.Failure != nil && !c.Failure.Cause.Reason.Valid():
			return invalid("car %d: failure with %s", c.ID, c.Failure.Cause.Reason)
		case s.Attribution != AttributeHold && s.Attribution != AttributeGitLab:
			return invalid("attribution %s", s.Attribution)
		case s.Strategy != StrategyGitLab && s.Strategy != StrategyBatched:
			return invalid("strategy %s", s.Strategy)
		case s.FlakeRetries < 0:
			return invalid("negative flake retries %d", s.FlakeRetries)
		}
		prev = c.ID
		active = active || c.State.Active()
	}
	return nil
}
