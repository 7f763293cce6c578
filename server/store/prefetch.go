package store

import (
	"context"
	"sync/atomic"
	"time"
)

// Prefetch names the records one request is about to read, so that a store
// can fetch them together, in as few round trips as their dependencies
// allow (the caller's user is known only once the token is read, a merge
// request's head only once the merge request is), instead of one round trip
// per record, one after another.
type Prefetch struct {
	// TokenHash is the hash of the caller's token (auth.HashToken): the
	// token, its user, and the user's membership in the project.
	TokenHash string
	// Project is the project reference of the request: its id, or its
	// namespace/path.
	Project string
	// MergeRequestIID is a merge request of the project, with the project's
	// protected branches.
	MergeRequestIID int64
	// CheckID is one status check of the project.
	CheckID int64
	// Checks asks for every check of the project and, with a merge request,
	// the newest response of each at its head.
	Checks bool
	// View asks for what showing the merge request reads besides: its
	// author, and the pipelines at its head.
	View bool
	// Lease, when set, names the lease of the (merge request, check) pair
	// the call is about to write an answer to, given the project's id. A
	// store may then take it in the prefetch's first round trip, with a
	// response id drawn beside it (Responses.NextIDLeased), and hand both to
	// the call (ClaimPrefetchedLease). It does so only for a caller it has
	// seen answer for that project before, and takes the lease back when the
	// call ends without claiming it: a caller whose token, membership or
	// check is gone holds it for one call at most, never again after.
	Lease func(projectID int64) string
	// LeaseTTL is the lease's TTL, as the call would acquire it.
	LeaseTTL time.Duration
}

// PrefetchedLease is a pair lease a prefetch took on the call's behalf
// (Prefetch.Lease), with the response id drawn beside it.
type PrefetchedLease struct {
	Name, Holder string
	ID           int64
	// Asked is when the prefetch sent the lease's SET NX: the lease was
	// granted after it, so a fence counted from Asked is safe.
	Asked time.Time
}

type prefetchedLeaseKey struct{}

type prefetchedLeaseSlot struct {
	lease   PrefetchedLease
	claimed atomic.Bool
}

// WithPrefetchedLease hands l to the call under ctx. takeBack, called when
// the call ends, reports whether the call never claimed l: its holder must
// then release it. After takeBack no claim succeeds.
func WithPrefetchedLease(ctx context.Context, l PrefetchedLease) (_ context.Context, takeBack func() bool) {
	slot := &prefetchedLeaseSlot{lease: l}
	return context.WithValue(ctx, prefetchedLeaseKey{}, slot), func() bool { return slot.claimed.CompareAndSwap(false, true) }
}

// ClaimPrefetchedLease takes over the lease name when the call's prefetch
// took it: the caller holds it from then on, and releases it as if it had
// acquired it. At most one claim succeeds.
func ClaimPrefetchedLease(ctx context.Context, name string) (PrefetchedLease, bool) {
	slot, _ := ctx.Value(prefetchedLeaseKey{}).(*prefetchedLeaseSlot)
	if slot == nil || slot.lease.Name != name || !slot.claimed.CompareAndSwap(false, true) {
		return PrefetchedLease{}, false
	}
	return slot.lease, true
}

// Prefetcher is a store that can prefetch. Prefetch returns ctx carrying
// what it read: reads under that context of exactly those records return
// the prefetched values instead of asking the backend again, until done is
// called. Nothing is kept beyond done, so no request ever sees another's
// reads; within one, a prefetched record reads as it was at the prefetch.
// Callers prefetch only records the request will not itself write.
type Prefetcher interface {
	Prefetch(ctx context.Context, p Prefetch) (_ context.Context, done func())
}
