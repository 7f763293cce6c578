package train

import (
	"math"
	"slices"
)

// The batched strategy's constants.
const (
	// MaxBatch is the most cars one batch test covers.
	MaxBatch = 8
	// passOdds is the chance of passing a batch should keep: a batch is as
	// long as (1-rate)^size stays at or above it.
	passOdds = 0.7
	// screenAbove is the failure rate above which new cars are screened
	// (tested alone on the target) before they join the chain: above it,
	// batches of unscreened cars fail too often to pay.
	screenAbove = 0.04
)

// Screening reports whether a train with history h screens every new car.
func Screening(h History) bool { return h.FailureRate() > screenAbove }

// BatchSize is how many chain cars one test covers for a train with
// history h. Screened cars fail in the chain only by flakes, so a
// screening train uses the largest batches.
func BatchSize(h History) int {
	if Screening(h) {
		return MaxBatch
	}
	rate := h.FailureRate()
	n := int(math.Floor(math.Log(passOdds) / math.Log(1-rate)))
	return min(max(n, 1), MaxBatch)
}

// Depth is how many chain tests the train runs at once: about the number
// of batches in a row that pass before one fails, so that a failure, which
// rebuilds every batch behind it, wastes little. It follows the failure
// rate (more failures, shallower speculation), within [2, limit].
func Depth(h History, limit int) int {
	rate := h.FailureRate()
	if Screening(h) {
		rate = rate / 4 // screened cars fail in the chain by flakes and interactions
	}
	fail := 1 - math.Pow(1-rate, float64(BatchSize(h)))
	return min(max(int(math.Ceil(1/fail)), 2), limit)
}

// scheduleBatched is Schedule for StrategyBatched.
//
// The admitted cars form a chain, ordered by Seq: each car's train commit
// merges its MR onto the train commit of the car ahead (the first onto the
// target), so the commit of any chain car contains every car ahead of it.
// Only some chain cars are tested: every BatchSize-th car of the untested
// tail, and a shorter tail only when no chain test is running. A test that
// passes lands every car up to it in one Merge (Through); with Optimistic, a
// later passed test lands over an earlier failed one, since it contains it.
// A failed test, once every test ahead of it has passed (and, with
// Optimistic, none behind it still runs), is the failure of its batch, the
// cars since the test ahead: one car alone is retried (Expel with blame)
// FlakeRetries times and then dropped; a longer batch is split, each car
// screened alone on the target, in parallel within the budget, and
// readmitted at the back once it passes. A screen that fails is the car's
// own failure, retried and dropped the same way.
//
// New cars are screened first when Screening(History), and joins the chain
// directly otherwise. Every running test and screen counts against Limit,
// the CI budget; chain tests come before screens.
func scheduleBatched(s Snapshot) []Action {
	limit := s.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	var plan []Action
	for i := range s.Cars {
		if c := &s.Cars[i]; c.State == StateMerging {
			plan = append(plan, FinishMerge{Car: c.ID})
		}
	}
	if len(plan) > 0 {
		return plan // where the target is is known once they have landed
	}
	size, screening := BatchSize(s.History), Screening(s.History)
	var chain, pending []*Car
	for i := range s.Cars {
		c := &s.Cars[i]
		if !c.State.Active() {
			continue
		}
		if a := leave(s, c, true); a != nil {
			plan = append(plan, cancelScreen(a, c))
			continue
		}
		if c.Seq != 0 {
			chain = append(chain, c)
		} else {
			pending = append(pending, c)
		}
	}
	slices.SortStableFunc(chain, func(a, b *Car) int { return cmpInt(a.Seq, b.Seq) })

	// Pending cars: admit the screened ones (first in the plan), drop or
	// retry the failed ones, and list those still to screen.
	var toScreen []*Car
	busy := 0 // tests and screens that stay running after this plan
	for _, c := range pending {
		sc := c.Screen
		switch {
		case c.Failure != nil && c.Failure.BaseSHA == s.TargetSHA:
			plan = append(plan, Drop{Car: c.ID, Cause: c.Failure.Cause, Cancel: runningScreen(c)})
		case sc != nil && !sc.Status.Complete():
			busy++ // it waits for its screen
		case sc != nil && sc.Status == PipelineSuccess:
			plan = append(plan, Admit{Car: c.ID})
			chain = append(chain, c)
		case sc != nil && sc.Status == PipelineFailed:
			plan = append(plan, blame(s, c, 0))
		case sc == nil && c.Pipeline != nil && c.Pipeline.ID != 0 && !c.Suspect:
			// A car built by the GitLab strategy: its pipeline tests it where
			// it is, so it joins the chain as a test of its own.
			plan = append(plan, Admit{Car: c.ID})
			chain = append(chain, c)
		case screening || c.Suspect || c.Failures > 0 || c.Failure != nil:
			toScreen = append(toScreen, c)
		default:
			plan = append(plan, Admit{Car: c.ID})
			chain = append(chain, c)
		}
	}

	// The valid prefix of the chain: cars built on what is ahead of them now.
	valid := len(chain)
	base := s.TargetSHA
	for i, c := range chain {
		p := c.Pipeline
		if base == "" || c.State != StateFresh || p == nil || p.BaseSHA != base || (c.Failure != nil && c.Failure.BaseSHA == base) {
			valid = i
			break
		}
		base = p.SHA
	}

	// Land the longest passed prefix.
	land := -1
	for i := 0; i < valid; i++ {
		p := chain[i].Pipeline
		if p.ID == 0 {
			continue
		}
		if p.Status != PipelineSuccess {
			if !s.Optimistic {
				break
			}
			continue
		}
		stop := false
		for j := land + 1; j <= i && !stop; j++ {
			switch chain[j].MergeRequest.Checks {
			case ChecksPending:
				stop = true
			case ChecksFailed:
				plan = append(plan, Drop{Car: chain[j].ID, Cause: Cause{Reason: ReasonStatusChecksFailed}})
				chain = slices.Delete(chain, j, j+1)
				valid = j // the cars behind it are rebuilt without it
				stop = true
			}
		}
		if stop {
			break
		}
		land = i
	}
	if land >= 0 {
		through := make([]int64, 0, land+1)
		for _, c := range chain[:land+1] {
			through = append(through, c.ID)
		}
		last := chain[land]
		plan = append(plan, Merge{Car: last.ID, SHA: last.Pipeline.SHA, From: s.TargetSHA, Through: through})
	}

	// A failure in the valid prefix, once nothing it waits for runs.
	if j, prev := firstFailure(s, chain, land, valid); j >= 0 {
		batch := chain[prev+1 : j+1]
		if len(batch) == 1 {
			plan = append(plan, blame(s, batch[0], 0))
		} else {
			ids := make([]int64, 0, len(batch))
			for _, c := range batch {
				ids = append(ids, c.ID)
			}
			plan = append(plan, Split{Cars: ids})
		}
		chain = slices.Delete(chain, prev+1, j+1)
		valid = prev + 1
	} else if valid < len(chain) && valid > land {
		// A car that conflicts with what is ahead of it.
		c := chain[valid]
		if f := c.Failure; f != nil && f.BaseSHA == expectedBase(s, chain, valid) {
			if valid == land+1 { // on the target, or on what lands now: its own
				plan = append(plan, Drop{Car: c.ID, Cause: f.Cause, Cancel: running(c)})
			} else {
				plan = append(plan, Expel{Car: c.ID, Cancel: running(c)})
			}
			chain = slices.Delete(chain, valid, valid+1)
		}
	}

	// Rebuild the chain behind its valid prefix.
	for i := valid; i < len(chain); i++ {
		on := int64(0)
		if i > 0 && i-1 != land {
			on = chain[i-1].ID
		}
		plan = append(plan, Chain{Car: chain[i].ID, On: on, Cancel: running(chain[i])})
	}

	// Test the tail within the budget, then screen.
	inflight, last, tests, failed := false, land, 0, false
	for i := land + 1; i < valid && i < len(chain); i++ {
		if p := chain[i].Pipeline; p.ID != 0 {
			last = i
			// A test behind a failure contains it: start none until it is
			// judged.
			failed = failed || p.Status == PipelineFailed || p.Status == PipelineCanceled
			if !p.Status.Complete() {
				busy++
				tests++
				inflight = true
			}
		}
	}
	free := limit - busy
	depth := Depth(s.History, limit) - tests
	if failed {
		depth, free = 0, 0 // screens wait too: the budget goes to the judgement first
	}
	tail := chain[last+1:]
	for k := size; k <= len(tail) && free > 0 && depth > 0; k += size {
		plan = append(plan, Test{Car: tail[k-1].ID})
		free--
		depth--
		inflight = true
	}
	if len(tail)%size > 0 && !inflight && free > 0 {
		plan = append(plan, Test{Car: tail[len(tail)-1].ID})
		free--
	}
	for _, c := range toScreen {
		if free <= 0 {
			break
		}
		plan = append(plan, Screen{Car: c.ID, Cancel: runningScreen(c)})
		free--
	}
	return plan
}

// firstFailure finds the first failed test after the landed prefix whose
// batch is known to be at fault: no test ahead of it still runs, and with
// Optimistic none behind it either (a later pass would land over it). It
// returns the index of its car and of the test ahead of it (land when
// there is none), or -1.
func firstFailure(s Snapshot, chain []*Car, land, valid int) (j, prev int) {
	prev = land
	for i := land + 1; i < valid && i < len(chain); i++ {
		p := chain[i].Pipeline
		if p.ID == 0 {
			continue
		}
		switch {
		case p.Status == PipelineFailed || p.Status == PipelineCanceled:
			if s.Optimistic {
				for k := i + 1; k < valid && k < len(chain); k++ {
					if q := chain[k].Pipeline; q.ID != 0 && !q.Status.Complete() {
						return -1, 0
					}
				}
			}
			return i, prev
		case !p.Status.Complete():
			return -1, 0
		}
		prev = i // passed, waiting for checks
	}
	return -1, 0
}

// expectedBase is what chain[i] would be built on now.
func expectedBase(s Snapshot, chain []*Car, i int) string {
	if i == 0 {
		return s.TargetSHA
	}
	return trainSHA(chain[i-1])
}

// blame judges a car whose own test (alone) failed: tested again while it
// has flake retries left, dropped then.
func blame(s Snapshot, c *Car, cancel int64) Action {
	if c.Failures < s.FlakeRetries {
		return Expel{Car: c.ID, Cancel: cancel, Blame: true}
	}
	return Drop{Car: c.ID, Cause: Cause{Reason: ReasonPipelineFailed}, Cancel: cancel}
}

// runningScreen is c's screen pipeline when it has not finished, or 0.
func runningScreen(c *Car) int64 {
	if p := c.Screen; p != nil && !p.Status.Complete() {
		return p.ID
	}
	return 0
}

// cancelScreen makes a leaving car's action cancel its running screen too
// when it has no running test.
func cancelScreen(a Action, c *Car) Action {
	switch x := a.(type) {
	case Drop:
		if x.Cancel == 0 {
			x.Cancel = runningScreen(c)
		}
		return x
	case SkipMerged:
		if x.Cancel == 0 {
			x.Cancel = runningScreen(c)
		}
		return x
	}
	return a
}

// Demand is how many more cars the train could start testing now: what
// joins the train beyond it only waits. The simulator tops its saturated
// queue up to it.
func Demand(s Snapshot) int {
	limit := s.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	held, running, waiting := 0, 0, 0
	var chain []*Car
	for i := range s.Cars {
		c := &s.Cars[i]
		if !c.State.Refreshable() {
			continue
		}
		held++
		switch {
		case c.Screen != nil && !c.Screen.Status.Complete():
			running++
		case c.Seq != 0:
			chain = append(chain, c)
		default:
			waiting++
		}
	}
	if s.Strategy != StrategyBatched {
		return max(limit-held, 0)
	}
	slices.SortStableFunc(chain, func(a, b *Car) int { return cmpInt(a.Seq, b.Seq) })
	tail := 0 // chain cars no test covers yet
	for _, c := range chain {
		tail++
		if p := c.Pipeline; p != nil && p.ID != 0 {
			tail = 0
			if !p.Status.Complete() {
				running++
			}
		}
	}
	waiting += tail
	free := max(limit-running, 0)
	if Screening(s.History) {
		return max(free-waiting, 0)
	}
	tests := 0
	for _, c := range chain {
		if p := c.Pipeline; p != nil && p.ID != 0 && !p.Status.Complete() {
			tests++
		}
	}
	free = min(free, max(Depth(s.History, limit)-tests, 0))
	return max(free*BatchSize(s.History)-waiting, 0)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
