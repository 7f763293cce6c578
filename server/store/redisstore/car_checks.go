package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// carAsks holds, per project, the asks about merge train car commits that
// are not settled yet, by "<iid>:<sha>".
func (k keys) carAsks(pid int64) string { return k.projectTag(pid) + "car_asks" }

// treeAnswers holds, per merge request, the newest final answer of each
// check for a car commit, by "<check>:<tree>".
func (k keys) treeAnswers(pid, iid int64) string {
	return k.projectTag(pid) + "responses:" + id(iid) + ":trees"
}

func carAskField(iid int64, sha string) string { return id(iid) + ":" + sha }

func treeField(checkID int64, tree string) string { return id(checkID) + ":" + tree }

// indexTree adds r to its merge request's tree answers when it is a final
// answer about a car commit, in the caller's transaction.
func (s *Store) indexTree(ctx context.Context, tx redis.Pipeliner, r *storagev1.StatusCheckResponse, rec []byte) {
	if r.GetTreeSha() == "" || r.GetObsolete() {
		return
	}
	switch signalboxv1.StatusCheckStatus(r.GetStatus()) {
	case signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED, signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED:
		tx.HSet(ctx, s.keys.treeAnswers(r.GetProjectId(), r.GetMergeRequestIid()), treeField(r.GetCheckId(), r.GetTreeSha()), rec)
	}
}

func (rs responses) CarAsks(ctx context.Context, pid int64) ([]*storagev1.CarCheckAsk, error) {
	all, err := rs.s.rdb.HGetAll(ctx, rs.s.keys.carAsks(pid)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.CarCheckAsk { return &storagev1.CarCheckAsk{} }, (*storagev1.CarCheckAsk).GetCarId)
}

func (rs responses) TreeAnswers(ctx context.Context, pid, iid int64, tree string, checkIDs []int64) (map[int64]*storagev1.StatusCheckResponse, error) {
	if len(checkIDs) == 0 || tree == "" {
		return map[int64]*storagev1.StatusCheckResponse{}, nil
	}
	return rs.byCheck(ctx, rs.s.keys.treeAnswers(pid, iid), checkIDs, func(c int64) string { return treeField(c, tree) })
}

// carAskRecord encodes a dispatch's ask, checking it belongs to the
// dispatch's merge request.
func carAskRecord(pid, iid int64, a *storagev1.CarCheckAsk) ([]byte, error) {
	if a == nil {
		return nil, nil
	}
	if a.GetMergeRequestIid() != iid || a.GetSha() == "" {
		return nil, fmt.Errorf("redisstore: dispatch for merge request %d!%d holds an ask about %d@%q", pid, iid, a.GetMergeRequestIid(), a.GetSha())
	}
	return encode(a)
}

// byCheck reads one response per check from a hash, at the field each
// check's id names; checks without one are absent. (Newest reads the same
// way; it is left as it is, on the hot path.)
func (rs responses) byCheck(ctx context.Context, key string, checkIDs []int64, field func(int64) string) (map[int64]*storagev1.StatusCheckResponse, error) {
	out := make(map[int64]*storagev1.StatusCheckResponse, len(checkIDs))
	fields := make([]string, len(checkIDs))
	for i, c := range checkIDs {
		fields[i] = field(c)
	}
	vals, err := rs.s.rdb.HMGet(ctx, key, fields...).Result()
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		r, err := decode([]byte(str), &storagev1.StatusCheckResponse{})
		if err != nil {
			return nil, err
		}
		out[checkIDs[i]] = r
	}
	return out, nil
}
