package loop_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/signalbox/signalbox/server/loop"
)

// A loop over independent units (trains, deliveries, deadlines) runs each
// under Guard with the unit's attributes, so that one that panics is logged
// with its stack and the others still run.
func ExampleGuard() {
	logger := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	for _, train := range []string{"main", "broken", "release"} {
		err := loop.Guard(ctx, logger.With("branch", train), func() error {
			if train == "broken" {
				panic("a bug in one train")
			}
			fmt.Println("refreshed", train)
			return nil
		})
		if errors.Is(err, loop.ErrPanicked) {
			fmt.Println("skipped", train) // already logged, with the stack
		}
	}
	// Output:
	// refreshed main
	// skipped broken
	// refreshed release
}
