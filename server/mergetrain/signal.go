package mergetrain

import (
	"context"
	"sync"
	"time"
)

// signal wakes every goroutine waiting on it at once, each time it fires.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

// fire wakes the current waiters.
func (s *signal) fire() {
	s.mu.Lock()
	close(s.ch)
	s.ch = make(chan struct{})
	s.mu.Unlock()
}

// wait returns at the next fire, after d, or when ctx ends.
func (s *signal) wait(ctx context.Context, d time.Duration) {
	s.mu.Lock()
	ch := s.ch
	s.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}
