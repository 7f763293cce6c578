package loop_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/loop"
)

func TestRunsAtOnceOnNudgeAndStops(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	ran := make(chan struct{}, 10)
	nudge := loop.NewNudge()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		loop.Run(ctx, "test", time.Hour, nudge, slog.New(slog.DiscardHandler), func(context.Context) error {
			runs.Add(1)
			ran <- struct{}{}
			return errors.New("errors do not stop the loop")
		})
		close(done)
	}()
	<-ran
	nudge.Wake()
	nudge.Wake() // a second nudge before the loop runs again is absorbed
	<-ran
	cancel()
	<-done
	require.GreaterOrEqual(t, runs.Load(), int32(2))
}
