package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

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
	return mr, ms.put(ctx, mr)
}

func (ms mergeRequests) Get(ctx context.Context, pid, iid int64) (*storagev1.MergeRequest, error) {
	b, err := ms.s.hgetBytes(ctx, ms.s.keys.mergeRequests(pid), id(iid))
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
	return ms.put(ctx, mr)
}

// put stores mr and marks its project dirty, in one transaction.
func (ms mergeRequests) put(ctx context.Context, mr *storagev1.MergeRequest) error {
	s := ms.s
	b, err := encode(mr)
	if err != nil {
		return err
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		s.putMergeRequest(ctx, tx, mr, b)
		return nil
	})
	return err
}

// putMergeRequest queues the writes of a merge request record: the record,
// the index of those set to auto-merge when checks pass, and the project's
// dirty mark.
func (s *Store) putMergeRequest(ctx context.Context, tx redis.Pipeliner, mr *storagev1.MergeRequest, b []byte) {
	pid := mr.GetProjectId()
	tx.HSet(ctx, s.keys.mergeRequests(pid), id(mr.GetIid()), b)
	if armed(mr) {
		tx.SAdd(ctx, s.keys.mergeRequestsArmed(pid), id(mr.GetIid()))
	} else {
		tx.SRem(ctx, s.keys.mergeRequestsArmed(pid), id(mr.GetIid()))
	}
	s.markDirty(ctx, tx, pid)
}

// armed reports whether mr waits to merge or join its train when its checks
// pass: what the train loop looks at besides trains.
func armed(mr *storagev1.MergeRequest) bool {
	switch mr.GetAutoMergeStrategy() {
	case "", "merge_train":
		return false
	}
	return true
}

func (ms mergeRequests) Armed(ctx context.Context, pid int64) ([]int64, error) {
	members, err := ms.s.rdb.SMembers(ctx, ms.s.keys.mergeRequestsArmed(pid)).Result()
	if err != nil {
		return nil, err
	}
	return parseIDs(members)
}
