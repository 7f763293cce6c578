package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

// deliveryLogSize is how many deliveries each check's log keeps.
const deliveryLogSize = 100

type deliveries struct{ s *Store }

func deliveryMember(ref store.DeliveryRef) string { return fmt.Sprintf("%d:%d", ref.ProjectID, ref.ID) }

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
	logKey := s.keys.deliveryLog(pid, d.GetCheckId())
	if _, err := s.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Set(ctx, s.keys.delivery(pid, did), rec, 0)
		tx.LPush(ctx, logKey, did)
		return nil
	}); err != nil {
		return nil, err
	}
	// The record is stored before it becomes due, so a worker never finds a
	// due entry without its record.
	ref := store.DeliveryRef{ProjectID: pid, ID: did}
	score := float64(d.GetNextAttemptTime().AsTime().UnixMilli())
	if err := s.rdb.ZAdd(ctx, s.keys.deliveriesDue(), redis.Z{Score: score, Member: deliveryMember(ref)}).Err(); err != nil {
		return nil, err
	}
	return d, ds.trimLog(ctx, pid, logKey)
}

// trimLog keeps the newest deliveries of a check and deletes the records of
// older ones that are no longer queued.
func (ds deliveries) trimLog(ctx context.Context, pid int64, logKey string) error {
	s := ds.s
	old, err := s.rdb.LRange(ctx, logKey, deliveryLogSize, -1).Result()
	if err != nil || len(old) == 0 {
		return err
	}
	if err := s.rdb.LTrim(ctx, logKey, 0, deliveryLogSize-1).Err(); err != nil {
		return err
	}
	for _, m := range old {
		did, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue
		}
		ref := store.DeliveryRef{ProjectID: pid, ID: did}
		if _, err := s.rdb.ZScore(ctx, s.keys.deliveriesDue(), deliveryMember(ref)).Result(); err == nil {
			continue // still queued; its worker will need the record
		}
		s.rdb.Del(ctx, s.keys.delivery(pid, did))
	}
	return nil
}

func (ds deliveries) Get(ctx context.Context, ref store.DeliveryRef) (*storagev1.Delivery, error) {
	b, err := ds.s.rdb.Get(ctx, ds.s.keys.delivery(ref.ProjectID, ref.ID)).Bytes()
	return getRecord(b, err, &storagev1.Delivery{})
}

func (ds deliveries) Save(ctx context.Context, d *storagev1.Delivery, pending bool) error {
	s := ds.s
	ref := store.DeliveryRef{ProjectID: d.GetProjectId(), ID: d.GetId()}
	rec, err := encode(d)
	if err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, s.keys.delivery(ref.ProjectID, ref.ID), rec, 0).Err(); err != nil {
		return err
	}
	if pending {
		score := float64(d.GetNextAttemptTime().AsTime().UnixMilli())
		return s.rdb.ZAdd(ctx, s.keys.deliveriesDue(), redis.Z{Score: score, Member: deliveryMember(ref)}).Err()
	}
	return s.rdb.ZRem(ctx, s.keys.deliveriesDue(), deliveryMember(ref)).Err()
}

func (ds deliveries) Due(ctx context.Context, now time.Time, limit int) ([]store.DeliveryRef, error) {
	members, err := ds.s.rdb.ZRangeByScore(ctx, ds.s.keys.deliveriesDue(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]store.DeliveryRef, 0, len(members))
	for _, m := range members {
		p, d, ok := strings.Cut(m, ":")
		pid, err1 := strconv.ParseInt(p, 10, 64)
		did, err2 := strconv.ParseInt(d, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			ds.s.rdb.ZRem(ctx, ds.s.keys.deliveriesDue(), m)
			continue
		}
		out = append(out, store.DeliveryRef{ProjectID: pid, ID: did})
	}
	return out, nil
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
		if err != nil {
			continue // trimmed concurrently
		}
		out = append(out, d)
	}
	return out, nil
}
