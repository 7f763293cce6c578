package redisstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/store"
)

// A deleted project keeps one key in its slot, the mark, from MarkDeleted
// to Forget; the global queue of deletions says when each was marked.
func (k keys) projectDeleted(pid int64) string { return k.projectTag(pid) + "deleted" }
func (k keys) projectsDeleting() string        { return k.prefix + "projects:deleting" }

// MarkDeleted queues the deletion first, so that a crash after the mark
// never leaves a hidden project nobody purges; a queue entry without a mark
// (a crash before it) is dropped by Purge's caller. The mark and the removal
// of the record are one transaction: SET NX makes exactly one of two
// concurrent deleters the one that marked.
func (ps projects) MarkDeleted(ctx context.Context, pid int64, at time.Time) (bool, error) {
	s := ps.s
	if err := s.rdb.ZAdd(ctx, s.keys.projectsDeleting(), redis.Z{Score: score(at), Member: id(pid)}).Err(); err != nil {
		return false, err
	}
	var marked *redis.BoolCmd
	var removed *redis.IntCmd
	if _, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		marked = tx.SetNX(ctx, s.keys.projectDeleted(pid), at.UnixMilli(), 0)
		removed = tx.Del(ctx, s.keys.project(pid))
		return nil
	}); err != nil {
		return false, err
	}
	return marked.Val() && removed.Val() == 1, nil
}

func (ps projects) Deleting(ctx context.Context) ([]store.DeletingProject, error) {
	zs, err := ps.s.rdb.ZRangeByScoreWithScores(ctx, ps.s.keys.projectsDeleting(), &redis.ZRangeBy{Min: "-inf", Max: "+inf"}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]store.DeletingProject, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		pid, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue // not an id: nothing to delete
		}
		out = append(out, store.DeletingProject{ID: pid, MarkedAt: time.UnixMilli(int64(z.Score))})
	}
	return out, nil
}

// Purge reports store.ErrNotFound when the project is not marked. The
// global indexes are cleaned by what they hold, not by what the project's
// keys say, so an entry a writer in flight added after its keys were read
// is found all the same.
func (ps projects) Purge(ctx context.Context, pid int64) error {
	s := ps.s
	n, err := s.rdb.Exists(ctx, s.keys.projectDeleted(pid)).Result()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	owner := id(pid)
	for _, h := range []string{s.keys.projectNames(), s.keys.projectPaths(), s.keys.protectedBranchProjects()} {
		if err := s.hdelValued(ctx, h, owner); err != nil {
			return err
		}
	}
	if err := s.scanKeys(ctx, escapeGlob(s.keys.prefix)+"{users}:user:*:projects", func(key string) error {
		return s.rdb.SRem(ctx, key, owner).Err()
	}); err != nil {
		return err
	}
	if err := s.zremPrefixed(ctx, s.keys.responsesDue(), owner+":"); err != nil {
		return err
	}
	if _, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		pl.ZRem(ctx, s.keys.projectIDs(), owner)
		pl.ZRem(ctx, s.keys.deliveryProjects(), owner)
		pl.SRem(ctx, s.keys.trainsDirty(), owner)
		return nil
	}); err != nil {
		return err
	}
	mark := s.keys.projectDeleted(pid)
	return s.scanKeys(ctx, escapeGlob(s.keys.projectTag(pid))+"*", func(key string) error {
		if key == mark {
			return nil
		}
		return s.rdb.Del(ctx, key).Err()
	})
}

// Forget removes the mark before the queue entry: a crash in between leaves
// an entry whose Purge finds no mark, which its caller drops.
func (ps projects) Forget(ctx context.Context, pid int64) error {
	s := ps.s
	if err := s.rdb.Del(ctx, s.keys.projectDeleted(pid)).Err(); err != nil {
		return err
	}
	return s.rdb.ZRem(ctx, s.keys.projectsDeleting(), id(pid)).Err()
}

// hdelValued removes the fields of hash key whose value is value.
func (s *Store) hdelValued(ctx context.Context, key, value string) error {
	var cursor uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, key, cursor, "*", 500).Result()
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == value {
				if err := s.rdb.HDel(ctx, key, kv[i]).Err(); err != nil {
					return err
				}
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// zremPrefixed removes the members of sorted set key that start with
// prefix. It reads the whole set, filtering here: redka's ZSCAN does not
// page a set the way Redis does.
func (s *Store) zremPrefixed(ctx context.Context, key, prefix string) error {
	all, err := s.rdb.ZRangeByScore(ctx, key, &redis.ZRangeBy{Min: "-inf", Max: "+inf"}).Result()
	if err != nil {
		return err
	}
	var gone []any
	for _, m := range all {
		if strings.HasPrefix(m, prefix) {
			gone = append(gone, m)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	return s.rdb.ZRem(ctx, key, gone...).Err()
}

// scanKeys calls fn for every key matching pattern, on every primary of a
// cluster. fn may delete the key it is given.
func (s *Store) scanKeys(ctx context.Context, pattern string, fn func(string) error) error {
	scan := func(ctx context.Context, c redis.Cmdable) error {
		var cursor uint64
		for {
			ks, next, err := c.Scan(ctx, cursor, pattern, 500).Result()
			if err != nil {
				return err
			}
			for _, k := range ks {
				if err := fn(k); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	}
	return scan(ctx, s.rdb)
}

// escapeGlob quotes the characters SCAN's MATCH treats as a pattern, as
// one-character classes, which Redis and redka (SQLite's GLOB) both read.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("*?[", r) {
			b.WriteString("[" + string(r) + "]")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
