package redisstore

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

type mergeRequests struct{ s *Store }

func (ms mergeRequests) Create(ctx context.Context, mr *storagev1.MergeRequest) (*storagev1.MergeRequest, error) {
	s := ms.s
	pid := mr.GetProjectId()
	mid, err := s.nextID(ctx, "merge_requests")
	if err != nil {
		return nil, err
	}
	iid, err := s.rdb.Incr(ctx, s.keys.mergeRequestIIDs(pid)).Result()
	if err != nil {
		return nil, err
	}
	mr.Id, mr.Iid = mid, iid
	rec, err := encode(mr)
	if err != nil {
		return nil, err
	}
	return mr, s.rdb.HSet(ctx, s.keys.mergeRequests(pid), id(iid), rec).Err()
}

func (ms mergeRequests) Get(ctx context.Context, pid, iid int64) (*storagev1.MergeRequest, error) {
	b, err := ms.s.rdb.HGet(ctx, ms.s.keys.mergeRequests(pid), id(iid)).Bytes()
	return getRecord(b, err, &storagev1.MergeRequest{})
}

func (ms mergeRequests) List(ctx context.Context, pid int64) ([]*storagev1.MergeRequest, error) {
	all, err := ms.s.rdb.HGetAll(ctx, ms.s.keys.mergeRequests(pid)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.MergeRequest { return &storagev1.MergeRequest{} }, (*storagev1.MergeRequest).GetIid)
}

func (ms mergeRequests) Update(ctx context.Context, mr *storagev1.MergeRequest) error {
	rec, err := encode(mr)
	if err != nil {
		return err
	}
	return ms.s.rdb.HSet(ctx, ms.s.keys.mergeRequests(mr.GetProjectId()), id(mr.GetIid()), rec).Err()
}
