package train

import "strconv"

// CarChecks is the verdict of the external status checks asked about a
// car's train commit (status checks that follow the merge train).
type CarChecks int

// Car check verdicts. The zero value is a train whose cars wait on no check.
const (
	// CarChecksNone: the project does not make cars wait on checks.
	CarChecksNone CarChecks = iota
	// CarChecksPending: a required check has not answered for the commit.
	CarChecksPending
	// CarChecksPassed: every required check passed for the commit.
	CarChecksPassed
	// CarChecksFailed: a required check failed for the commit.
	CarChecksFailed
)

// String names the verdict.
func (c CarChecks) String() string {
	switch c {
	case CarChecksNone:
		return "none"
	case CarChecksPending:
		return "pending"
	case CarChecksPassed:
		return "passed"
	case CarChecksFailed:
		return "failed"
	}
	return "CarChecks(" + strconv.Itoa(int(c)) + ")"
}

// Verdict is what the scheduler judges a car by: its pipeline's status,
// with the checks asked about the same commit folded in. The checks are
// part of testing the commit that would land, so they are judged as the
// pipeline is, failure attribution included: a failed check fails the
// commit (even while its pipeline runs), and a passed pipeline whose
// checks are pending is still running.
func (p *Pipeline) Verdict() PipelineStatus {
	switch {
	case p.Checks == CarChecksFailed:
		return PipelineFailed
	case p.Checks == CarChecksPending && p.Status == PipelineSuccess:
		return PipelineRunning
	}
	return p.Status
}

// failure is the cause of a car whose Verdict failed.
func (p *Pipeline) failure() Cause {
	if p.Checks == CarChecksFailed {
		return Cause{Reason: ReasonCarChecksFailed}
	}
	return Cause{Reason: ReasonPipelineFailed}
}
