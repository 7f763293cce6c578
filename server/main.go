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
	"path/filepath"
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
	if cfg.AddrFile != "" {
		if err := writeAddrFile(cfg.AddrFile, ln.Addr().String()); err != nil {
			ln.Close()
			logger.Error("addr file", "path", cfg.AddrFile, "error", err)
			return 1
		}
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

// writeAddrFile writes addr to path through a temporary file and a rename,
// so a reader polling for path never sees it half written.
func writeAddrFile(path, addr string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())              // after a successful rename, a no-op
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp's 0600 would hide it from other users' tools
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(addr + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
