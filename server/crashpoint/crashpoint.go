// Package crashpoint kills the server with SIGKILL at a named point in its
// work, so a test can prove that a crash at the worst moment (say, between
// moving a branch and recording the merge) loses nothing and repeats
// nothing. Points are named with SIGNALBOX_CRASH_AT; without it nothing
// ever happens.
package crashpoint

import (
	"log/slog"
	"os"
	"strings"
	"syscall"
)

// Set is the points armed in this process. The zero Set never crashes.
type Set struct {
	armed  map[string]bool
	logger *slog.Logger
}

// Parse arms the comma-separated points of spec.
func Parse(spec string, logger *slog.Logger) Set {
	s := Set{armed: map[string]bool{}, logger: logger}
	for _, p := range strings.Split(spec, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.armed[p] = true
		}
	}
	return s
}

// Here kills the process if point is armed. Nothing is flushed and no
// deferred function runs, exactly as when the machine dies.
func (s Set) Here(point string) {
	if !s.armed[point] {
		return
	}
	s.logger.Warn("crash point reached; killing the process", "point", point)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
