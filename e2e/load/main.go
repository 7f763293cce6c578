// Command load measures the real server on loopback with a real Redis:
// REST throughput and latency of status check responses and reads at
// several concurrencies, as a ratio of a ceiling server's measured in the
// same run (see ceiling.go), with the Redis commands and round trips each
// call costs (see count.go); delivery fan-out latency after a git push,
// expiry lateness of pending responses, and the server's memory. It prints
// a table with the targets next to the figures.
//
//	go run ./e2e/load [flags]
//
// It is a benchmark, not a test: it exits non-zero only when something
// fails (the server, a request, a signature), never because a target was
// missed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == ceilingCommand {
		return runCeiling(args[1:])
	}
	cfg, err := parseConfig(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res, err := measure(ctx, cfg, args, logger)
	if res != nil {
		printReport(os.Stdout, res)
	}
	if err != nil {
		logger.Error("load", "error", err)
		return 1
	}
	return 0
}
