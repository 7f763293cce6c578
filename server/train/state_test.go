package train_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/train"
)

func TestStateNamesAndValues(t *testing.T) {
	t.Parallel()
	// Values and names are GitLab's (spec 3.2): they are stored and shown.
	tests := []struct {
		state train.State
		value int
		name  string
	}{
		{train.StateIdle, 0, "idle"},
		{train.StateMerged, 1, "merged"},
		{train.StateStale, 2, "stale"},
		{train.StateFresh, 3, "fresh"},
		{train.StateMerging, 4, "merging"},
		{train.StateSkipMerged, 5, "skip_merged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.value, int(tt.state))
			require.Equal(t, tt.name, tt.state.String())
			require.True(t, tt.state.Valid())
			parsed, err := train.ParseState(tt.name)
			require.NoError(t, err)
			require.Equal(t, tt.state, parsed)
		})
	}
	_, err := train.ParseState("running")
	require.ErrorContains(t, err, `unknown car state "running"`)
	require.False(t, train.State(6).Valid())
	require.Equal(t, "State(6)", train.State(6).String())
}

func TestStateGroupings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state                         train.State
		active, complete, refreshable bool
	}{
		{train.StateIdle, true, false, true},
		{train.StateStale, true, false, true},
		{train.StateFresh, true, false, true},
		{train.StateMerging, false, true, true}, // complete for scope=complete, yet still refreshed
		{train.StateMerged, false, true, false},
		{train.StateSkipMerged, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.state.String(), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.active, tt.state.Active(), "active")
			require.Equal(t, tt.complete, tt.state.Complete(), "complete")
			require.Equal(t, tt.refreshable, tt.state.Refreshable(), "refreshable")
			require.Equal(t, tt.active, contains(train.ActiveStates(), tt.state))
			require.Equal(t, tt.complete, contains(train.CompleteStates(), tt.state))
		})
	}
}

func contains(states []train.State, s train.State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

func TestTransitions(t *testing.T) {
	t.Parallel()
	const illegal = train.State(-1) // marks a refused transition in the table
	tests := []struct {
		name  string
		event train.Event
		from  train.State
		to    train.State
	}{
		{"refresh idle", train.EventRefreshPipeline, train.StateIdle, train.StateFresh},
		{"refresh stale", train.EventRefreshPipeline, train.StateStale, train.StateFresh},
		{"refresh fresh", train.EventRefreshPipeline, train.StateFresh, train.StateFresh}, // a rebuild
		{"refresh merging", train.EventRefreshPipeline, train.StateMerging, illegal},
		{"refresh merged", train.EventRefreshPipeline, train.StateMerged, illegal},
		{"refresh skip_merged", train.EventRefreshPipeline, train.StateSkipMerged, illegal},

		{"outdate fresh", train.EventOutdatePipeline, train.StateFresh, train.StateStale},
		{"outdate idle", train.EventOutdatePipeline, train.StateIdle, train.StateIdle},    // no-op
		{"outdate stale", train.EventOutdatePipeline, train.StateStale, train.StateStale}, // no-op
		{"outdate merging", train.EventOutdatePipeline, train.StateMerging, illegal},
		{"outdate merged", train.EventOutdatePipeline, train.StateMerged, illegal},
		{"outdate skip_merged", train.EventOutdatePipeline, train.StateSkipMerged, illegal},

		{"start fresh", train.EventStartMerge, train.StateFresh, train.StateMerging},
		{"start idle", train.EventStartMerge, train.StateIdle, illegal},
		{"start stale", train.EventStartMerge, train.StateStale, illegal},
		{"start merging", train.EventStartMerge, train.StateMerging, illegal}, // never merge twice
		{"start merged", train.EventStartMerge, train.StateMerged, illegal},
		{"start skip_merged", train.EventStartMerge, train.StateSkipMerged, illegal},

		{"finish merging", train.EventFinishMerge, train.StateMerging, train.StateMerged},
		{"finish idle", train.EventFinishMerge, train.StateIdle, illegal},
		{"finish stale", train.EventFinishMerge, train.StateStale, illegal},
		{"finish fresh", train.EventFinishMerge, train.StateFresh, illegal},
		{"finish merged", train.EventFinishMerge, train.StateMerged, illegal},
		{"finish skip_merged", train.EventFinishMerge, train.StateSkipMerged, illegal},

		{"unknown event", train.Event(9), train.StateFresh, illegal},
	}
	named := map[train.Event]func(train.State) (train.State, error){
		train.EventRefreshPipeline: train.State.RefreshPipeline,
		train.EventOutdatePipeline: train.State.OutdatePipeline,
		train.EventStartMerge:      train.State.StartMerge,
		train.EventFinishMerge:     train.State.FinishMerge,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.from.Apply(tt.event)
			if fn, ok := named[tt.event]; ok {
				got2, err2 := fn(tt.from)
				require.Equal(t, got, got2, "the named method must agree with Apply")
				require.Equal(t, err, err2)
			}
			if tt.to == illegal {
				require.ErrorIs(t, err, train.ErrIllegalTransition)
				var te *train.TransitionError
				require.True(t, errors.As(err, &te))
				require.Equal(t, tt.event, te.Event)
				require.Equal(t, tt.from, te.From)
				require.Equal(t, tt.from, got, "a refused event leaves the state alone")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.to, got)
		})
	}
}

func TestTransitionErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := train.StateMerged.StartMerge()
	require.EqualError(t, err, "train: cannot start_merge a merged car")
	require.Equal(t, "finish_merge", train.EventFinishMerge.String())
	require.Equal(t, "Event(9)", train.Event(9).String())
}
