// Package lease runs a critical section under a store lease, so one
// replica at a time changes a record that is read, changed and written back.
package lease

import (
	"context"
	"errors"
	"time"

	"github.com/signalbox/signalbox/server/store"
)

// ErrBusy means the lease stayed taken for longer than its own TTL.
var ErrBusy = errors.New("busy; try again")

// poll is how often a taken lease is tried again.
const poll = 20 * time.Millisecond

// Hold waits for the lease name (up to ttl), runs f while holding it and
// releases it. The TTL bounds f: a holder that dies frees the lease then.
func Hold(ctx context.Context, leases store.Leases, name, holder string, ttl time.Duration, f func() error) error {
	return HoldFirst(ctx, leases, name, holder, ttl, nil, f)
}

// HoldFirst is Hold whose first try to take the lease is first, which takes
// it as leases.Acquire does and may do more in the same round trip; later
// tries are leases.Acquire's. A nil first is leases.Acquire.
func HoldFirst(ctx context.Context, leases store.Leases, name, holder string, ttl time.Duration, first func() (bool, error), f func() error) error {
	return HoldReleasing(ctx, leases, name, holder, ttl, first, func() (bool, error) { return false, f() })
}

// HoldReleasing is HoldFirst whose f may give the lease back itself, with
// its last write (store.Responses.ReplaceReleasing), to save the release's
// round trips: f reports released when it did, and the lease is then not
// released again. When f fails without having released it, it is released
// as Hold does.
func HoldReleasing(ctx context.Context, leases store.Leases, name, holder string, ttl time.Duration, first func() (bool, error), f func() (released bool, err error)) error {
	// Leases expire on the store's wall clock, so waiting uses it too.
	deadline := time.Now().Add(ttl)
	for {
		try := first
		first = nil
		if try == nil {
			try = func() (bool, error) { return leases.Acquire(ctx, name, holder, ttl) }
		}
		ok, err := try()
		if err != nil {
			return err
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return ErrBusy
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
	released := false
	defer func() {
		if !released { // a panicking f included
			leases.Release(context.WithoutCancel(ctx), name, holder)
		}
	}()
	released, err := f()
	return err
}
