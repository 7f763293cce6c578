// Command server runs Signalbox: go run ./server. See the README for the
// flags; each has a SIGNALBOX_* environment variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/signalbox/signalbox/server/app"
	"github.com/signalbox/signalbox/server/buildinfo"
	"github.com/signalbox/signalbox/server/config"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := config.Parse(args, os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "signalbox:", err)
		return 2
	}
	if cfg.Version {
		fmt.Println(buildinfo.Read())
		return 0
	}
	logger := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		logger.Error("listen", "addr", cfg.Listen, "error", err)
		return 1
	}
	cfg.ExternalURL = app.ExternalURL(cfg, ln.Addr().String())
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		ln.Close()
		logger.Error("start", "error", err)
		return 1
	}
	defer a.Close()
	if token := a.GeneratedRootToken(); token != "" {
		// Printed once, on the first start, and never logged: only its hash
		// is kept, so it cannot be shown again.
		fmt.Printf("\nSignalbox created the administrator \"root\". Its token, shown only this once:\n\n    %s\n\n", token)
	}
	if err := a.Serve(ctx, ln); err != nil {
		logger.Error("serve", "error", err)
		return 1
	}
	return 0
}

func newLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
