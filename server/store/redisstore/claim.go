package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/store"
)

// claim is one unique value to reserve: field in the index hash key, owned
// by id once reserved. HSETNX is atomic on both backends, so of any number of
// concurrent claimers exactly one wins, with no WATCH or Lua.
type claim struct {
	name  string // the field reported in a *store.TakenError
	key   string
	field string
}

// claimAll reserves every claim for owner. When any is taken, it releases
// the ones it won and returns a *store.TakenError naming the taken ones.
func (s *Store) claimAll(ctx context.Context, owner int64, claims ...claim) error {
	var won []claim
	var taken []string
	for _, c := range claims {
		ok, err := s.rdb.HSetNX(ctx, c.key, c.field, owner).Result()
		if err != nil {
			s.releaseAll(ctx, owner, won...)
			return err
		}
		if ok {
			won = append(won, c)
		} else {
			taken = append(taken, c.name)
		}
	}
	if len(taken) > 0 {
		if err := s.releaseAll(ctx, owner, won...); err != nil {
			return err
		}
		return &store.TakenError{Fields: taken}
	}
	return nil
}

// releaseAll gives back claims that owner holds. Only HSETNX ever writes an
// index field and only its owner deletes it, so reading the owner and then
// deleting cannot remove somebody else's claim.
func (s *Store) releaseAll(ctx context.Context, owner int64, claims ...claim) error {
	var errs []error
	for _, c := range claims {
		got, err := s.rdb.HGet(ctx, c.key, c.field).Int64()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if got == owner {
			errs = append(errs, s.rdb.HDel(ctx, c.key, c.field).Err())
		}
	}
	return errors.Join(errs...)
}
