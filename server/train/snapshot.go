package train

import "strconv"

// DefaultLimit is how many cars of one train may have pipelines at once when
// the project does not say (GitLab's max_pipelines_per_merge_train).
const DefaultLimit = 20

// Snapshot is everything Schedule knows about one train (one project and
// target branch), read by the caller at one moment.
type Snapshot struct {
	// TargetSHA is the current head of the target branch; empty when the
	// branch does not exist.
	TargetSHA string
	// Limit is max_pipelines_per_merge_train: at most this many refreshable
	// cars (active or merging) are looked at, and so have pipelines. Cars
	// beyond it stay as they are. Zero means DefaultLimit.
	Limit int
	// TrainsDisabled says the project turned merge trains off; every active
	// car is dropped.
	TrainsDisabled bool
	// Attribution decides when a failed pipeline is a car's own fault.
	Attribution Attribution
	// Strategy is how the train schedules (the project's setting for the
	// target branch); FlakeRetries, Optimistic and History matter only to
	// StrategyBatched (see ScheduleBatched).
	Strategy Strategy
	// FlakeRetries is how many times a car whose own test failed is tested
	// again before it is dropped (0 or 1).
	FlakeRetries int
	// Optimistic lets a later passed test land the cars of an earlier failed
	// one it contains.
	Optimistic bool
	// History is the train's recent outcomes.
	History History
	// Cars are the train's cars in id order (the order they joined). Include
	// every refreshable car, and the recent complete ones (GitLab looks at
	// the last 20): their MergeSHA is how a push made by a merge is told
	// apart from a push from outside the train.
	Cars []Car
}

// Car is one MR on the train.
type Car struct {
	// ID orders the train; ids strictly increase along Cars.
	ID    int64
	State State
	// Pipeline is the car's current pipeline; nil when it has none.
	Pipeline *Pipeline
	// MergeRequest is what the caller knows about the car's MR now.
	MergeRequest MergeRequest
	// MergeSHA, for a merged or skip_merged car, is the head of the target
	// branch right after its merge (for a train merge, normally the tested
	// commit itself), and MergeFrom the head it moved from: together, a
	// push the train knows. A skip_merged car whose push the train must not
	// keep its pipelines over has no MergeSHA. An active car whose MR was
	// merged outside the train carries them too, when the train may keep
	// its pipelines over that merge.
	MergeSHA  string
	MergeFrom string
	// Failure is what went wrong while building or testing the car that the
	// caller recorded (a conflict on the base it was built on); Schedule
	// decides whether it is the car's own.
	Failure *Failure

	// The fields below are StrategyBatched's; StrategyGitLab ignores them.

	// Seq is the car's place in the batched chain, or 0 for a car not
	// admitted to it (pending). A chain car's Pipeline is its train commit
	// on the car ahead in the chain; its ID is 0 unless the car ends a
	// batch, whose test it then is.
	Seq int64
	// Screen is the car's test alone on the target, or nil.
	Screen *Pipeline
	// Failures counts the times the car's own test failed and it was
	// tested again (flake retries).
	Failures int
	// Suspect says the car was in a batch that failed: it is screened
	// before it joins the chain again.
	Suspect bool
}

// Failure is a car's failure on one base.
type Failure struct {
	Cause Cause
	// BaseSHA is the commit the car was built on when it failed.
	BaseSHA string
}

// Attribution is how Schedule blames a car whose pipeline failed.
type Attribution int

// Attributions. The zero value is Signalbox's.
const (
	// AttributeHold holds a car whose pipeline failed while a car ahead of
	// it has not passed: the failure may be inherited. If a car ahead fails,
	// the held car is rebuilt without it; it is dropped only once every car
	// ahead passed, when the failure is its own.
	AttributeHold Attribution = iota
	// AttributeGitLab drops a car as soon as its current pipeline fails, as
	// GitLab does, even when a car ahead of it is the cause (gitlab#500693).
	AttributeGitLab
)

// String names the attribution.
func (a Attribution) String() string {
	switch a {
	case AttributeHold:
		return "hold"
	case AttributeGitLab:
		return "gitlab"
	}
	return "Attribution(" + strconv.Itoa(int(a)) + ")"
}

// Pipeline is a car's pipeline and the commit it tests.
type Pipeline struct {
	ID int64
	// SHA is the car's train commit, the one at refs/merge-requests/<iid>/train
	// that the pipeline tests and that lands when the car merges.
	SHA string
	// BaseCar is the car whose train commit SHA was built on, or 0 when it
	// was built on the target branch: the On of the Build that made it.
	BaseCar int64
	// BaseSHA is the commit SHA was built on (first parent): the target head
	// or BaseCar's train commit at the time of the build.
	BaseSHA string
	Status  PipelineStatus
	// Checks is the verdict of the external status checks asked about SHA
	// when the project has them follow the train and requires them to pass;
	// the zero value, CarChecksNone, means nothing waits on them. See
	// Pipeline.Verdict.
	Checks CarChecks
}

// MergeRequest is what a refresh checks about a car's MR. The zero value is
// an open, ready MR whose status checks have not passed yet, so a caller that
// forgets to ask about checks gets a car that never merges rather than one
// that merges unchecked.
type MergeRequest struct {
	State MergeRequestState
	// Draft: the MR is marked as draft.
	Draft bool
	// Broken: GitLab's broken? (source branch or head commit gone).
	Broken bool
	// AutoMergeDisabled: someone turned auto-merge off while the car stayed.
	AutoMergeDisabled bool
	// SourceChanged: the MR's head is no longer the commit the car's train
	// commit merges (a push to the source branch).
	SourceChanged bool
	// Retargeted: the MR's target branch is no longer the train's.
	Retargeted bool
	// Checks is the state of the MR's external status checks. A project that
	// does not require them passing reports ChecksPassed.
	Checks Checks
}

// MergeRequestState is an MR's state as far as the train cares.
type MergeRequestState int

// MR states.
const (
	MergeRequestOpen MergeRequestState = iota
	MergeRequestClosed
	// MergeRequestMerged: merged outside the train (the train records its
	// own merges on the car, before the MR).
	MergeRequestMerged
)

// String returns GitLab's name of the state.
func (s MergeRequestState) String() string {
	switch s {
	case MergeRequestOpen:
		return "opened"
	case MergeRequestClosed:
		return "closed"
	case MergeRequestMerged:
		return "merged"
	}
	return "MergeRequestState(" + strconv.Itoa(int(s)) + ")"
}

// Checks summarises an MR's external status checks at its head.
type Checks int

// Status check summaries. The zero value waits.
const (
	// ChecksPending: some required check has not answered; the car may
	// build but not merge.
	ChecksPending Checks = iota
	// ChecksPassed: every required check passed, or none is required.
	ChecksPassed
	// ChecksFailed: a required check failed; the car is dropped when it
	// would otherwise merge (a retry before then keeps it).
	ChecksFailed
)

// String names the summary.
func (c Checks) String() string {
	switch c {
	case ChecksPending:
		return "pending"
	case ChecksPassed:
		return "passed"
	case ChecksFailed:
		return "failed"
	}
	return "Checks(" + strconv.Itoa(int(c)) + ")"
}

// PipelineStatus is the status of a pipeline, with GitLab's names.
type PipelineStatus int

// Pipeline statuses.
const (
	PipelineCreated PipelineStatus = iota
	PipelinePending
	PipelineRunning
	PipelineSuccess
	PipelineFailed
	PipelineCanceled
)

// String returns GitLab's name of the status.
func (s PipelineStatus) String() string {
	switch s {
	case PipelineCreated:
		return "created"
	case PipelinePending:
		return "pending"
	case PipelineRunning:
		return "running"
	case PipelineSuccess:
		return "success"
	case PipelineFailed:
		return "failed"
	case PipelineCanceled:
		return "canceled"
	}
	return "PipelineStatus(" + strconv.Itoa(int(s)) + ")"
}

// Complete reports whether the pipeline has finished (success, failed or
// canceled); only an incomplete one needs cancelling.
func (s PipelineStatus) Complete() bool {
	return s == PipelineSuccess || s == PipelineFailed || s == PipelineCanceled
}
