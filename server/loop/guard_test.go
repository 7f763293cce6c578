package loop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/loop"
)

// logRecords collects what a JSON slog handler writes, one map per record.
type logRecords struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecords) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logRecords) all(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		out = append(out, rec)
	}
	return out
}

func panicsInUnitTwo(unit int) {
	if unit == 2 {
		var m map[string]int
		m["boom"]++ // a nil map write: a runtime panic, as a real bug makes
	}
}

// TestGuardAPanicStopsOnlyItsUnit: of three units the second panics; the
// other two run, the panic comes back as an ErrPanicked error, and the log
// says which unit, what the panic was and where, with the stack.
func TestGuardAPanicStopsOnlyItsUnit(t *testing.T) {
	t.Parallel()
	var logs logRecords
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	var done []int
	var errs []error
	for unit := 1; unit <= 3; unit++ {
		errs = append(errs, loop.Guard(t.Context(), logger.With("unit", unit), func() error {
			panicsInUnitTwo(unit)
			done = append(done, unit)
			return nil
		}))
	}
	require.Equal(t, []int{1, 3}, done)
	require.NoError(t, errs[0])
	require.ErrorIs(t, errs[1], loop.ErrPanicked)
	require.Contains(t, errs[1].Error(), "assignment to entry in nil map")
	require.NoError(t, errs[2])

	recs := logs.all(t)
	require.Len(t, recs, 1)
	require.Equal(t, "ERROR", recs[0]["level"])
	require.Equal(t, float64(2), recs[0]["unit"])
	require.Contains(t, recs[0]["panic"], "assignment to entry in nil map")
	require.Contains(t, recs[0]["stack"], "loop_test.panicsInUnitTwo", "the stack shows where it panicked")
}

func TestGuardPassesErrorsThrough(t *testing.T) {
	t.Parallel()
	want := errors.New("plain failure")
	got := loop.Guard(t.Context(), slog.New(slog.DiscardHandler), func() error { return want })
	require.Equal(t, want, got)
	require.NotErrorIs(t, got, loop.ErrPanicked)
}

// TestRunGoesOnAfterAPanic: an iteration that panics is logged once, at
// Error with its stack, and the loop runs the next iteration.
func TestRunGoesOnAfterAPanic(t *testing.T) {
	t.Parallel()
	var logs logRecords
	ran := make(chan int, 10)
	nudge := loop.NewNudge()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	iteration := 0
	go func() {
		defer close(done)
		loop.Run(ctx, "test", time.Hour, nudge, slog.New(slog.NewJSONHandler(&logs, nil)), func(context.Context) error {
			iteration++
			ran <- iteration
			if iteration == 1 {
				panic("first iteration fails")
			}
			return nil
		})
	}()
	require.Equal(t, 1, <-ran)
	nudge.Wake()
	require.Equal(t, 2, <-ran, "the loop survived the panic")
	cancel()
	<-done

	recs := logs.all(t)
	require.Len(t, recs, 1, "a panic is logged once, not again as a failure")
	require.Equal(t, "test", recs[0]["loop"])
	require.Equal(t, "first iteration fails", recs[0]["panic"])
	require.NotEmpty(t, recs[0]["stack"])
}
