package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

type protectedBranches struct{ s *Store }

func (ps protectedBranches) Create(ctx context.Context, pb *storagev1.ProtectedBranch) (*storagev1.ProtectedBranch, error) {
	s := ps.s
	pid := pb.GetProjectId()
	pbid, err := s.nextID(ctx, "protected_branches")
	if err != nil {
		return nil, err
	}
	pb.Id = pbid
	for _, level := range []*storagev1.AccessLevel{pb.GetPush(), pb.GetMerge(), pb.GetUnprotect()} {
		if level == nil {
			continue
		}
		if level.Id, err = s.nextID(ctx, "access_levels"); err != nil {
			return nil, err
		}
	}
	rec, err := encode(pb)
	if err != nil {
		return nil, err
	}
	name := claim{name: "name", key: s.keys.protectedBranchNames(pid), field: pb.GetName()}
	if err := s.claimAll(ctx, pbid, name); err != nil {
		return nil, err
	}
	if err := s.rdb.HSet(ctx, s.keys.protectedBranches(pid), id(pbid), rec).Err(); err != nil {
		return nil, errors.Join(err, s.releaseAll(ctx, pbid, name))
	}
	if err := s.rdb.HSet(ctx, s.keys.protectedBranchProjects(), id(pbid), pid).Err(); err != nil {
		return nil, err
	}
	return pb, nil
}

func (ps protectedBranches) Get(ctx context.Context, pid int64, name string) (*storagev1.ProtectedBranch, error) {
	pbid, err := ps.s.rdb.HGet(ctx, ps.s.keys.protectedBranchNames(pid), name).Int64()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return ps.get(ctx, pid, pbid)
}

func (ps protectedBranches) get(ctx context.Context, pid, pbid int64) (*storagev1.ProtectedBranch, error) {
	b, err := ps.s.rdb.HGet(ctx, ps.s.keys.protectedBranches(pid), id(pbid)).Bytes()
	return getRecord(b, err, &storagev1.ProtectedBranch{})
}

func (ps protectedBranches) GetByID(ctx context.Context, pbid int64) (*storagev1.ProtectedBranch, error) {
	pid, err := ps.s.rdb.HGet(ctx, ps.s.keys.protectedBranchProjects(), id(pbid)).Int64()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return ps.get(ctx, pid, pbid)
}

func (ps protectedBranches) List(ctx context.Context, pid int64) ([]*storagev1.ProtectedBranch, error) {
	all, err := ps.s.hgetAll(ctx, ps.s.keys.protectedBranches(pid))
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.ProtectedBranch { return &storagev1.ProtectedBranch{} }, (*storagev1.ProtectedBranch).GetId)
}

func (ps protectedBranches) Delete(ctx context.Context, pb *storagev1.ProtectedBranch) error {
	s := ps.s
	pid := pb.GetProjectId()
	_, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.HDel(ctx, s.keys.protectedBranches(pid), id(pb.GetId()))
		tx.HDel(ctx, s.keys.protectedBranchNames(pid), pb.GetName())
		return nil
	})
	if err != nil {
		return err
	}
	return s.rdb.HDel(ctx, s.keys.protectedBranchProjects(), id(pb.GetId())).Err()
}
