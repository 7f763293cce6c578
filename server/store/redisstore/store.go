// Package redisstore implements store.Store over go-redis. It uses only the
// commands that both Redis and the embedded store (redka) implement: strings
// with SET NX PX, hashes, sets, sorted sets with plain ZADD and ascending
// ranges, and MULTI/EXEC. It never uses WATCH, Lua, streams or pub/sub.
package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/store"
)

// Store is a store.Store backed by a Redis-compatible server.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	// guess speeds up Prefetch; it never answers a read (see guesses).
	guess *guesses
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option interface {
	apply(*Store)
}

type optionFunc func(*Store)

func (f optionFunc) apply(s *Store) { f(s) }

// WithKeyPrefix puts every key under prefix. The default is "sb:". Tests give
// each test its own prefix so they can share one Redis.
func WithKeyPrefix(prefix string) Option {
	return optionFunc(func(s *Store) { s.keys.prefix = prefix })
}

// New returns a Store over rdb. The caller keeps ownership of rdb.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: rdb, keys: keys{prefix: "sb:"}, guess: newGuesses()}
	for _, o := range opts {
		o.apply(s)
	}
	return s
}

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// Users returns the user store.
func (s *Store) Users() store.Users { return users{s} }

// Projects returns the project store.
func (s *Store) Projects() store.Projects { return projects{s} }

// Members returns the member store.
func (s *Store) Members() store.Members { return members{s} }

// ProtectedBranches returns the protected branch store.
func (s *Store) ProtectedBranches() store.ProtectedBranches { return protectedBranches{s} }

// Checks returns the status check store.
func (s *Store) Checks() store.Checks { return checks{s} }

// MergeRequests returns the merge request store.
func (s *Store) MergeRequests() store.MergeRequests { return mergeRequests{s} }

// Responses returns the status check response store.
func (s *Store) Responses() store.Responses { return responses{s} }

// Deliveries returns the delivery queue and log.
func (s *Store) Deliveries() store.Deliveries { return deliveries{s} }

// Leases returns the lease store.
func (s *Store) Leases() store.Leases { return leases{s} }

// Trains returns the merge train store.
func (s *Store) Trains() store.Trains { return trains{s} }

// Pipelines returns the pipeline store.
func (s *Store) Pipelines() store.Pipelines { return pipelines{s} }

// Hooks returns the project hook store.
func (s *Store) Hooks() store.Hooks { return hooks{s} }

// Notes returns the note store.
func (s *Store) Notes() store.Notes { return notes{s} }

// nextID draws the next id of a kind. Ids are global, as in GitLab.
func (s *Store) nextID(ctx context.Context, kind string) (int64, error) {
	return s.rdb.Incr(ctx, s.keys.seq(kind)).Result()
}
