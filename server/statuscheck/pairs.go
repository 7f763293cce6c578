package statuscheck

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/signalbox/signalbox/server/lease"
)

// pairLeaseTTL bounds how long one writer holds a (merge request, check)
// pair. Its writes take milliseconds; the TTL only frees the pair when a
// holder dies.
const pairLeaseTTL = 10 * time.Second

// pairFence is how long after it started asking for its leases a writer
// may still write. Leases run on the store's clock from when they were
// granted, which is after the writer started asking, so a writer within
// the fence still holds every lease it took. Past it, it writes nothing
// (lease.ErrBusy) rather than risk a write after its lease lapsed and
// another writer took the pair: without WATCH or Lua, a store write cannot
// be made conditional on the lease.
const pairFence = pairLeaseTTL / 2

func pairLeaseName(pid, iid, checkID int64) string {
	return fmt.Sprintf("response:%d:%d:%d", pid, iid, checkID)
}

// holdPairs runs f while holding the lease of every (merge request, check)
// pair named, so that the writers of one pair (an answer, a retry, a
// dispatch) take turns: a retry's read and write then see no other write
// land between them, and the final state of a pair is the last write the
// server acknowledged. Leases are taken in check id order, so two writers
// of several pairs cannot wait for each other. Each call holds them under
// a holder name of its own: a lease is released only by the call that took
// it.
//
// This replica's writers of a pair first queue in memory, so they wait for
// each other without polling Redis; the lease then only has to wait for
// other replicas.
func (s *Service) holdPairs(ctx context.Context, pid, iid int64, checkIDs []int64, f func() error) error {
	return s.holdPairsFirst(ctx, pid, iid, checkIDs, nil, func(pairHold) (bool, error) { return false, f() })
}

// pairHold is what a writer under holdPairsFirst knows of its leases.
type pairHold struct {
	// last is the name of the lease taken last, which the writer may give
	// back with its write (store.Responses.ReplaceReleasing) while fenced
	// says it still holds it.
	last  string
	start time.Time
}

// fenced is lease.ErrBusy once the writer may no longer be sure it holds
// its leases (see pairFence): a writer checks it just before a write that
// relies on them, as the work before may have taken a while.
func (h pairHold) fenced() error {
	if time.Since(h.start) > pairFence {
		return lease.ErrBusy
	}
	return nil
}

// holdPairsFirst is holdPairs whose first try at the first pair's lease is
// first(name, holder), which takes it as the store's Leases.Acquire does
// and may do more in the same round trip (see lease.HoldFirst): an answer
// draws its response id there. f reports whether it gave back the last
// lease itself (see lease.HoldReleasing).
func (s *Service) holdPairsFirst(ctx context.Context, pid, iid int64, checkIDs []int64,
	first func(name, holder string) (bool, error), f func(pairHold) (released bool, err error),
) error {
	ids := slices.Compact(slices.Sorted(slices.Values(checkIDs)))
	for _, id := range ids {
		unlock, err := s.pairs.lock(ctx, pairLeaseName(pid, iid, id))
		if err != nil {
			return err
		}
		defer unlock()
	}
	holder := s.holder.Next()
	h := pairHold{start: time.Now()}
	var hold func(i int) (bool, error)
	hold = func(i int) (bool, error) {
		if i == len(ids) {
			if err := h.fenced(); err != nil {
				return false, err
			}
			return f(h)
		}
		name := pairLeaseName(pid, iid, ids[i])
		var try func() (bool, error)
		if i == 0 && first != nil {
			try = func() (bool, error) { return first(name, holder) }
		}
		if i < len(ids)-1 {
			return false, lease.HoldFirst(ctx, s.store.Leases(), name, holder, pairLeaseTTL, try, func() error {
				_, err := hold(i + 1)
				return err
			})
		}
		h.last = name
		return false, lease.HoldReleasing(ctx, s.store.Leases(), name, holder, pairLeaseTTL, try, func() (bool, error) {
			return hold(i + 1)
		})
	}
	_, err := hold(0)
	return err
}

// keyedMutex is a mutex per key, for keys that come and go: a key's entry
// lives while someone holds or waits for it.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	held chan struct{} // a token in it means held
	refs int
}

// lock waits for key's mutex, or for ctx to end.
func (k *keyedMutex) lock(ctx context.Context, key string) (unlock func(), err error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{held: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	select {
	case l.held <- struct{}{}:
		return func() {
			<-l.held
			k.drop(key, l)
		}, nil
	case <-ctx.Done():
		k.drop(key, l)
		return nil, ctx.Err()
	}
}

func (k *keyedMutex) drop(key string, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l.refs--; l.refs == 0 {
		delete(k.locks, key)
	}
}
