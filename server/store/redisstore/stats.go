package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// PendingDeadlines counts the entries of the pending-response deadline
// index and returns the earliest deadline among them (zero when there is
// none), for the metrics. The index also holds entries an answer made stale,
// until their deadline passes and the sweeper drops them.
func (s *Store) PendingDeadlines(ctx context.Context) (int64, time.Time, error) {
	n, err := s.rdb.ZCard(ctx, s.keys.responsesDue()).Result()
	if err != nil || n == 0 {
		return 0, time.Time{}, err
	}
	zs, err := s.rdb.ZRangeWithScores(ctx, s.keys.responsesDue(), 0, 0).Result()
	if errors.Is(err, redis.Nil) || len(zs) == 0 {
		return n, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	return n, time.UnixMilli(int64(zs[0].Score)), nil
}
