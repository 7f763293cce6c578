package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

type projects struct{ s *Store }

func projectPath(p *storagev1.Project) string {
	return fold(p.GetNamespacePath() + "/" + p.GetPath())
}

func projectName(p *storagev1.Project) string {
	return fold(p.GetNamespacePath() + "/" + p.GetName())
}

func (ps projects) Create(ctx context.Context, p *storagev1.Project, owner *storagev1.Member) (*storagev1.Project, error) {
	s := ps.s
	pid, err := s.nextID(ctx, "projects")
	if err != nil {
		return nil, err
	}
	p.Id = pid
	rec, err := encode(p)
	if err != nil {
		return nil, err
	}
	ownerRec, err := encode(owner)
	if err != nil {
		return nil, err
	}
	claims := []claim{
		{name: "name", key: s.keys.projectNames(), field: projectName(p)},
		{name: "path", key: s.keys.projectPaths(), field: projectPath(p)},
	}
	if err := s.claimAll(ctx, pid, claims...); err != nil {
		return nil, err
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.Set(ctx, s.keys.project(pid), rec, 0)
		tx.HSet(ctx, s.keys.members(pid), id(owner.GetUserId()), ownerRec)
		return nil
	})
	if err != nil {
		return nil, errors.Join(err, s.releaseAll(ctx, pid, claims...))
	}
	// Global indexes live in other slots, so they are written after the
	// project's own keys rather than inside its transaction.
	if _, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		pl.ZAdd(ctx, s.keys.projectIDs(), redis.Z{Score: float64(pid), Member: pid})
		pl.SAdd(ctx, s.keys.userProjects(owner.GetUserId()), pid)
		return nil
	}); err != nil {
		return nil, err
	}
	return p, nil
}

func (ps projects) Get(ctx context.Context, pid int64) (*storagev1.Project, error) {
	b, err := ps.s.getBytes(ctx, ps.s.keys.project(pid))
	p, err := getRecord(b, err, &storagev1.Project{})
	if err != nil {
		return nil, err
	}
	return ps.withSettledDefaultBranch(ctx, p)
}

func (ps projects) GetByPath(ctx context.Context, fullPath string) (*storagev1.Project, error) {
	pid, err := hgetInt64(ps.s.hgetBytes(ctx, ps.s.keys.projectPaths(), fold(fullPath)))
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return ps.Get(ctx, pid)
}

func (ps projects) IDs(ctx context.Context) ([]int64, error) {
	members, err := ps.s.rdb.ZRangeByScore(ctx, ps.s.keys.projectIDs(), &redis.ZRangeBy{Min: "-inf", Max: "+inf"}).Result()
	if err != nil {
		return nil, err
	}
	return parseIDs(members)
}

func (ps projects) Update(ctx context.Context, old, updated *storagev1.Project) error {
	s := ps.s
	pid := old.GetId()
	rec, err := encode(updated)
	if err != nil {
		return err
	}
	var claims, released []claim
	if projectName(updated) != projectName(old) {
		claims = append(claims, claim{name: "name", key: s.keys.projectNames(), field: projectName(updated)})
		released = append(released, claim{name: "name", key: s.keys.projectNames(), field: projectName(old)})
	}
	if err := s.claimAll(ctx, pid, claims...); err != nil {
		return err
	}
	// XX: a project deleted since the caller read it stays deleted.
	set, err := s.rdb.SetXX(ctx, s.keys.project(pid), rec, 0).Result()
	if err == nil && !set {
		err = store.ErrNotFound
	}
	if err != nil {
		return errors.Join(err, s.releaseAll(ctx, pid, claims...))
	}
	return s.releaseAll(ctx, pid, released...)
}

type members struct{ s *Store }

func (ms members) Add(ctx context.Context, pid int64, m *storagev1.Member) error {
	s := ms.s
	rec, err := encode(m)
	if err != nil {
		return err
	}
	added, err := s.rdb.HSetNX(ctx, s.keys.members(pid), id(m.GetUserId()), rec).Result()
	if err != nil {
		return err
	}
	if !added {
		return store.ErrExists
	}
	return s.rdb.SAdd(ctx, s.keys.userProjects(m.GetUserId()), pid).Err()
}

func (ms members) Update(ctx context.Context, pid int64, m *storagev1.Member) error {
	rec, err := encode(m)
	if err != nil {
		return err
	}
	if _, err := ms.Get(ctx, pid, m.GetUserId()); err != nil {
		return err
	}
	return ms.s.rdb.HSet(ctx, ms.s.keys.members(pid), id(m.GetUserId()), rec).Err()
}

func (ms members) Remove(ctx context.Context, pid, uid int64) error {
	s := ms.s
	n, err := s.rdb.HDel(ctx, s.keys.members(pid), id(uid)).Result()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return s.rdb.SRem(ctx, s.keys.userProjects(uid), pid).Err()
}

func (ms members) Get(ctx context.Context, pid, uid int64) (*storagev1.Member, error) {
	b, err := ms.s.hgetBytes(ctx, ms.s.keys.members(pid), id(uid))
	return getRecord(b, err, &storagev1.Member{})
}

func (ms members) List(ctx context.Context, pid int64) ([]*storagev1.Member, error) {
	all, err := ms.s.rdb.HGetAll(ctx, ms.s.keys.members(pid)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.Member { return &storagev1.Member{} }, (*storagev1.Member).GetUserId)
}

func (ms members) ProjectIDs(ctx context.Context, uid int64) ([]int64, error) {
	all, err := ms.s.rdb.SMembers(ctx, ms.s.keys.userProjects(uid)).Result()
	if err != nil {
		return nil, err
	}
	return parseIDs(all)
}
