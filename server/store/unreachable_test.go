package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/signalbox/signalbox/server/store"
)

func TestUnreachable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"refused dial", refused, true},
		{"wrapped refused dial", fmt.Errorf("load project: %w", refused), true},
		{"connection dropped", io.EOF, true},
		{"half a reply", io.ErrUnexpectedEOF, true},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, true},
		{"nil", nil, false},
		{"not found", store.ErrNotFound, false},
		{"taken", &store.TakenError{Fields: []string{"name"}}, false},
		{"the caller's deadline", context.DeadlineExceeded, false},
		{"the caller gave up", fmt.Errorf("get: %w", context.Canceled), false},
		{"an answer from Redis", errors.New("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
	}
	for _, tt := range tests {
		if got := store.Unreachable(tt.err); got != tt.want {
			t.Errorf("%s: Unreachable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
