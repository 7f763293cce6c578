package train

import "strconv"

// Strategy is how a train schedules its pipelines. The zero value is
// GitLab's, so a project that chose nothing sees GitLab's behaviour.
type Strategy int

// The strategies.
const (
	// StrategyGitLab gives every car its own speculative pipeline, up to
	// Limit, and rebuilds every car behind one that leaves (Schedule).
	StrategyGitLab Strategy = iota
	// StrategyBatched tests cars in batches, one pipeline per batch, splits
	// a failed batch and screens suspect cars alone (see batched.go).
	StrategyBatched
)

// String names the strategy as the settings do.
func (s Strategy) String() string {
	switch s {
	case StrategyGitLab:
		return "gitlab"
	case StrategyBatched:
		return "batched"
	}
	return "Strategy(" + strconv.Itoa(int(s)) + ")"
}

// ParseStrategy returns the strategy named name ("gitlab" or "batched").
func ParseStrategy(name string) (Strategy, bool) {
	for s := StrategyGitLab; s <= StrategyBatched; s++ {
		if s.String() == name {
			return s, true
		}
	}
	return 0, false
}

// HistorySize is how many recent outcomes a train keeps to estimate its
// failure rate.
const HistorySize = 100

// History is a train's recent outcomes, oldest first: true for a car
// dropped because its pipeline failed, false for a car that landed.
type History struct {
	Failed []bool
}

// FailureRate estimates the probability that a car fails: the share of
// failures among the recent outcomes, with a prior of one failure in ten
// so a new train starts cautious and one outcome does not swing it.
func (h History) FailureRate() float64 {
	f := 0
	for _, x := range h.Failed {
		if x {
			f++
		}
	}
	return float64(f+1) / float64(len(h.Failed)+10)
}

// Record returns h with one more outcome, keeping the last HistorySize.
func (h History) Record(failed bool) History {
	out := make([]bool, 0, min(len(h.Failed)+1, HistorySize))
	if len(h.Failed) >= HistorySize {
		out = append(out, h.Failed[len(h.Failed)-HistorySize+1:]...)
	} else {
		out = append(out, h.Failed...)
	}
	return History{Failed: append(out, failed)}
}
