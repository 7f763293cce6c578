package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

// deliveryLogSize is how many deliveries each check's log keeps.
const deliveryLogSize = 100

// reindexRounds bounds how often one Reindex writes the index entry while
// concurrent writers keep moving the queue's head earlier; each of those
// writers reindexes after its own write, so the entry still ends no later
// than the queue.
const reindexRounds = 8

// Each project's queue is a sorted set in the project's slot, so that a
// delivery joins it in the same transaction as its record (and as the
// pending responses that caused it). The index of projects is global: it is
// written just after the transaction, and Repair mends a write lost between
// the two.
func (k keys) projectDeliveriesDue(pid int64) string { return k.projectTag(pid) + "deliveries:due" }
func (k keys) deliveryProjects() string              { return k.prefix + "deliveries:projects" }

// legacyDeliveriesDue is the one queue of every project that versions
// before per-project queues used; Repair empties it.
func (k keys) legacyDeliveriesDue() string { return k.deliveriesDue() }

type deliveries struct{ s *Store }

func score(t time.Time) float64 { return float64(t.UnixMilli()) }

func (ds deliveries) Enqueue(ctx context.Context, d *storagev1.Delivery) (*storagev1.Delivery, error) {
	s := ds.s
	did, err := s.nextID(ctx, "deliveries")
	if err != nil {
		return nil, err
	}
	d.Id = did
	rec, err := encode(d)
	if err != nil {
		return nil, err
	}
	pid := d.GetProjectId()
	if _, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		ds.queue(ctx, tx, d, rec)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := ds.Reindex(ctx, pid); err != nil {
		return nil, err
	}
	return d, ds.trimLog(ctx, pid, s.keys.deliveryLog(pid, d.GetCheckId()))
}

// queue adds the commands that store, log and queue d (encoded as b) to a
// transaction.
func (ds deliveries) queue(ctx context.Context, tx redis.Pipeliner, d *storagev1.Delivery, b []byte) {
	k, pid := ds.s.keys, d.GetProjectId()
	tx.Set(ctx, k.delivery(pid, d.GetId()), b, 0)
	tx.LPush(ctx, k.deliveryLog(pid, d.GetCheckId()), d.GetId())
	tx.ZAdd(ctx, k.projectDeliveriesDue(pid), redis.Z{Score: score(d.GetNextAttemptTime().AsTime()), Member: d.GetId()})
}

// trimLog keeps the newest deliveries of a check and deletes the records of
// older ones that are no longer queued. Records go before the list is
// trimmed: a crash in between leaves log entries without records, which Log
// skips, rather than records nothing points to.
func (ds deliveries) trimLog(ctx context.Context, pid int64, logKey string) error {
	s := ds.s
	old, err := s.rdb.LRange(ctx, logKey, deliveryLogSize, deliveryLogSize+1000).Result()
	if err != nil || len(old) == 0 {
		return err
	}
	for _, m := range old {
		did, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue
		}
		if _, err := s.rdb.ZScore(ctx, s.keys.projectDeliveriesDue(pid), m).Result(); err == nil {
			continue // still queued; its worker will need the record
		}
		s.rdb.Del(ctx, s.keys.delivery(pid, did))
	}
	return s.rdb.LTrim(ctx, logKey, 0, deliveryLogSize-1).Err()
}

func (ds deliveries) Get(ctx context.Context, ref store.DeliveryRef) (*storagev1.Delivery, error) {
	b, err := ds.s.rdb.Get(ctx, ds.s.keys.delivery(ref.ProjectID, ref.ID)).Bytes()
	return getRecord(b, err, &storagev1.Delivery{})
}

func (ds deliveries) Save(ctx context.Context, d *storagev1.Delivery, pending bool) error {
	s := ds.s
	pid, did := d.GetProjectId(), d.GetId()
	rec, err := encode(d)
	if err != nil {
		return err
	}
	if _, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.Set(ctx, s.keys.delivery(pid, did), rec, 0)
		if pending {
			tx.ZAdd(ctx, s.keys.projectDeliveriesDue(pid), redis.Z{Score: score(d.GetNextAttemptTime().AsTime()), Member: did})
		} else {
			tx.ZRem(ctx, s.keys.projectDeliveriesDue(pid), did)
		}
		return nil
	}); err != nil {
		return err
	}
	return ds.Reindex(ctx, pid)
}

func (ds deliveries) Due(ctx context.Context, pid int64, now time.Time, limit int) ([]store.DeliveryRef, error) {
	s := ds.s
	members, err := s.rdb.ZRangeByScore(ctx, s.keys.projectDeliveriesDue(pid), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]store.DeliveryRef, 0, len(members))
	for _, m := range members {
		did, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			// A malformed entry can never be handled; drop it rather than
			// block the queue behind it.
			s.rdb.ZRem(ctx, s.keys.projectDeliveriesDue(pid), m)
			continue
		}
		out = append(out, store.DeliveryRef{ProjectID: pid, ID: did})
	}
	return out, nil
}

func (ds deliveries) DueProjects(ctx context.Context, now time.Time, offset, limit int) ([]int64, error) {
	s := ds.s
	members, err := s.rdb.ZRangeByScore(ctx, s.keys.deliveryProjects(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Offset: int64(offset), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(members))
	for _, m := range members {
		pid, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			s.rdb.ZRem(ctx, s.keys.deliveryProjects(), m)
			continue
		}
		out = append(out, pid)
	}
	return out, nil
}

func (ds deliveries) Postpone(ctx context.Context, ref store.DeliveryRef, until time.Time) error {
	return ds.s.rdb.ZAdd(ctx, ds.s.keys.projectDeliveriesDue(ref.ProjectID), redis.Z{Score: score(until), Member: ref.ID}).Err()
}

// Reindex writes the time the queue is next due into the index, then reads
// the queue again and writes again if it has since become due earlier.
// Every writer of a queue reindexes after its write, so whichever index
// write comes last was made after its writer last read the queue; the
// queue's writers that read it earlier wrote their entries before. Without
// WATCH or Lua this read-after-write is what keeps a concurrent enqueue from
// being indexed late. An empty queue is removed from the index the same
// way: remove, then look again.
func (ds deliveries) Reindex(ctx context.Context, pid int64) error {
	s := ds.s
	queue, index, member := s.keys.projectDeliveriesDue(pid), s.keys.deliveryProjects(), strconv.FormatInt(pid, 10)
	written, have := 0.0, false
	for range reindexRounds + 1 {
		head, err := s.rdb.ZRangeByScoreWithScores(ctx, queue, &redis.ZRangeBy{Min: "-inf", Max: "+inf", Count: 1}).Result()
		if err != nil {
			return err
		}
		switch {
		case len(head) == 0 && !have:
			if err := s.rdb.ZRem(ctx, index, member).Err(); err != nil {
				return err
			}
			// Look again: something enqueued between the read and the
			// removal must not stay unindexed.
			n, err := s.rdb.ZCard(ctx, queue).Result()
			if err != nil || n == 0 {
				return err
			}
		case len(head) == 0:
			return nil // emptied since our write; the entry only runs early
		case have && head[0].Score >= written:
			return nil
		default:
			written, have = head[0].Score, true
			if err := s.rdb.ZAdd(ctx, index, redis.Z{Score: written, Member: member}).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ds deliveries) Repair(ctx context.Context) error {
	s := ds.s
	if err := ds.moveLegacy(ctx); err != nil {
		return err
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.keys.projectIDs(), &redis.ZRangeBy{Min: "-inf", Max: "+inf"}).Result()
	if err != nil {
		return err
	}
	pids, err := parseIDs(ids)
	if err != nil {
		return err
	}
	// Projects in the index that are not in the list of projects (none
	// should be) are reindexed too, which removes them.
	indexed, err := s.rdb.ZRangeByScore(ctx, s.keys.deliveryProjects(), &redis.ZRangeBy{Min: "-inf", Max: "+inf"}).Result()
	if err != nil {
		return err
	}
	seen := make(map[int64]bool, len(pids))
	for _, pid := range pids {
		seen[pid] = true
	}
	for _, m := range indexed {
		if pid, err := strconv.ParseInt(m, 10, 64); err == nil && !seen[pid] {
			pids = append(pids, pid)
		}
	}
	for _, pid := range pids {
		if err := ds.Reindex(ctx, pid); err != nil {
			return err
		}
	}
	return nil
}

// moveLegacy moves every entry of the old shared queue into its project's
// queue, one entry at a time: added to the new queue first, then removed
// from the old, so a crash in between at worst queues it in both. The
// projects it moved entries into are reindexed.
func (ds deliveries) moveLegacy(ctx context.Context) error {
	s := ds.s
	moved := map[int64]bool{}
	for {
		zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.keys.legacyDeliveriesDue(), &redis.ZRangeBy{Min: "-inf", Max: "+inf", Count: 500}).Result()
		if err != nil {
			return err
		}
		if len(zs) == 0 {
			break
		}
		for _, z := range zs {
			m, _ := z.Member.(string)
			p, d, ok := strings.Cut(m, ":")
			pid, err1 := strconv.ParseInt(p, 10, 64)
			did, err2 := strconv.ParseInt(d, 10, 64)
			if ok && err1 == nil && err2 == nil {
				if err := s.rdb.ZAdd(ctx, s.keys.projectDeliveriesDue(pid), redis.Z{Score: z.Score, Member: did}).Err(); err != nil {
					return err
				}
				moved[pid] = true
			}
			if err := s.rdb.ZRem(ctx, s.keys.legacyDeliveriesDue(), m).Err(); err != nil {
				return err
			}
		}
	}
	for pid := range moved {
		if err := ds.Reindex(ctx, pid); err != nil {
			return err
		}
	}
	return nil
}

func (ds deliveries) Log(ctx context.Context, pid, cid int64, limit int) ([]*storagev1.Delivery, error) {
	s := ds.s
	ids, err := s.rdb.LRange(ctx, s.keys.deliveryLog(pid, cid), 0, int64(limit)-1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]*storagev1.Delivery, 0, len(ids))
	for _, m := range ids {
		did, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue
		}
		d, err := ds.Get(ctx, store.DeliveryRef{ProjectID: pid, ID: did})
		if errors.Is(err, store.ErrNotFound) {
			continue // trimmed concurrently
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
