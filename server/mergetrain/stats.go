package mergetrain

import (
	"context"
	"strings"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// Stats is a snapshot of every merge train, for metrics. It only reads.
type Stats struct {
	// Cars counts the cars on trains by state (idle, stale, fresh,
	// merging); every state is present.
	Cars map[string]int
	// Depths are the car counts of the trains that have any.
	Depths []int
	// Merged counts the cars trains merged (the archive and the trains'
	// recently left cars).
	Merged int
	// Dropped counts the cars dropped, by reason; every reason is present.
	Dropped map[string]int
}

// Stats reads every project's trains and archived cars.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Cars: map[string]int{}, Dropped: map[string]int{}}
	for _, state := range []train.State{train.StateIdle, train.StateStale, train.StateFresh, train.StateMerging} {
		st.Cars[state.String()] = 0
	}
	for r := train.Reason(1); !strings.HasPrefix(r.String(), "Reason("); r++ {
		st.Dropped[r.String()] = 0
	}
	ids, err := s.store.Projects().IDs(ctx)
	if err != nil {
		return Stats{}, err
	}
	for _, pid := range ids {
		branches, err := s.store.Trains().Branches(ctx, pid)
		if err != nil {
			return Stats{}, err
		}
		gone := map[int64]*storagev1.Car{}
		for _, b := range branches {
			t, err := s.store.Trains().Load(ctx, store.TrainRef{ProjectID: pid, Branch: b})
			if err != nil {
				return Stats{}, err
			}
			on := 0
			for _, c := range t.GetCars() {
				if state := train.State(c.GetState()); state != train.StateMerged && state != train.StateSkipMerged {
					st.Cars[state.String()]++
					on++
				}
			}
			if on > 0 {
				st.Depths = append(st.Depths, on)
			}
			for _, c := range t.GetDropped() {
				gone[c.GetId()] = c
			}
		}
		archived, err := s.store.Trains().Archived(ctx, pid)
		if err != nil {
			return Stats{}, err
		}
		for _, c := range archived {
			gone[c.GetId()] = c
		}
		for _, c := range gone {
			switch {
			case c.GetDrop() != nil:
				st.Dropped[train.Reason(c.GetDrop().GetReason()).String()]++
			case train.State(c.GetState()) == train.StateMerged:
				st.Merged++
			}
		}
	}
	return st, nil
}
