package store

import "context"

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
