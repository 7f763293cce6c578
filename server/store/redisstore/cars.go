package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

type cars struct{ s *Store }

func (cs cars) Create(ctx context.Context, c *storagev1.Car) (*storagev1.Car, error) {
	s := cs.s
	cid, err := s.nextID(ctx, "cars")
	if err != nil {
		return nil, err
	}
	c.Id = cid
	rec, err := encode(c)
	if err != nil {
		return nil, err
	}
	// The merge request's index entry is the claim: one car per merge request.
	ok, err := s.rdb.HSetNX(ctx, s.keys.carsByMR(c.GetProjectId()), id(c.GetMergeRequestIid()), cid).Result()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, store.ErrExists
	}
	if err := s.rdb.HSet(ctx, s.keys.cars(c.GetProjectId()), id(cid), rec).Err(); err != nil {
		s.rdb.HDel(ctx, s.keys.carsByMR(c.GetProjectId()), id(c.GetMergeRequestIid()))
		return nil, err
	}
	return c, nil
}

func (cs cars) Get(ctx context.Context, pid, cid int64) (*storagev1.Car, error) {
	b, err := cs.s.rdb.HGet(ctx, cs.s.keys.cars(pid), id(cid)).Bytes()
	return getRecord(b, err, &storagev1.Car{})
}

func (cs cars) ForMergeRequest(ctx context.Context, pid, iid int64) (*storagev1.Car, error) {
	cid, err := cs.s.rdb.HGet(ctx, cs.s.keys.carsByMR(pid), id(iid)).Int64()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return cs.Get(ctx, pid, cid)
}

func (cs cars) List(ctx context.Context, pid int64) ([]*storagev1.Car, error) {
	all, err := cs.s.rdb.HGetAll(ctx, cs.s.keys.cars(pid)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.Car { return &storagev1.Car{} }, (*storagev1.Car).GetId)
}

func (cs cars) Update(ctx context.Context, c *storagev1.Car) error {
	rec, err := encode(c)
	if err != nil {
		return err
	}
	return cs.s.rdb.HSet(ctx, cs.s.keys.cars(c.GetProjectId()), id(c.GetId()), rec).Err()
}

func (cs cars) Delete(ctx context.Context, c *storagev1.Car) error {
	s := cs.s
	_, err := s.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.HDel(ctx, s.keys.cars(c.GetProjectId()), id(c.GetId()))
		tx.HDel(ctx, s.keys.carsByMR(c.GetProjectId()), id(c.GetMergeRequestIid()))
		return nil
	})
	return err
}

func trainMember(t store.TrainRef) string { return id(t.ProjectID) + ":" + t.Branch }

func (cs cars) MarkDirty(ctx context.Context, pid int64, branch string) error {
	return cs.s.rdb.SAdd(ctx, cs.s.keys.trainsDirty(), trainMember(store.TrainRef{ProjectID: pid, Branch: branch})).Err()
}

func (cs cars) Dirty(ctx context.Context) ([]store.TrainRef, error) {
	members, err := cs.s.rdb.SMembers(ctx, cs.s.keys.trainsDirty()).Result()
	if err != nil {
		return nil, err
	}
	out := make([]store.TrainRef, 0, len(members))
	for _, m := range members {
		p, branch, ok := strings.Cut(m, ":")
		pid, err := strconv.ParseInt(p, 10, 64)
		if !ok || err != nil {
			cs.s.rdb.SRem(ctx, cs.s.keys.trainsDirty(), m)
			continue
		}
		out = append(out, store.TrainRef{ProjectID: pid, Branch: branch})
	}
	return out, nil
}

func (cs cars) ClaimDirty(ctx context.Context, t store.TrainRef) (bool, error) {
	n, err := cs.s.rdb.SRem(ctx, cs.s.keys.trainsDirty(), trainMember(t)).Result()
	return n == 1, err
}
