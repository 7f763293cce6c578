package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

type responses struct{ s *Store }

func responseField(checkID int64, sha string) string { return id(checkID) + ":" + sha }

// dueMember packs a key, response id and deadline into one sorted-set
// member, so the deadline index needs no second structure. The deadline is
// part of the member so that a retry, which keeps the response's id, adds an
// entry of its own: re-scoring the old one would let a sweeper that is
// handling the old deadline remove the new one.
func dueMember(r *storagev1.StatusCheckResponse) string {
	return fmt.Sprintf("%d:%d:%d:%s:%d:%d", r.GetProjectId(), r.GetMergeRequestIid(), r.GetCheckId(), r.GetSha(), r.GetId(),
		r.GetDeadline().AsTime().UnixMilli())
}

// parseDueMember reads a member; entries written before the deadline was
// part of it have five fields.
func parseDueMember(m string, score float64) (store.DueResponse, error) {
	parts := strings.Split(m, ":")
	if len(parts) != 5 && len(parts) != 6 {
		return store.DueResponse{}, fmt.Errorf("redisstore: bad deadline entry %q", m)
	}
	var n [4]int64
	for i, p := range []string{parts[0], parts[1], parts[2], parts[4]} {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return store.DueResponse{}, fmt.Errorf("redisstore: bad deadline entry %q", m)
		}
		n[i] = v
	}
	key := store.ResponseKey{ProjectID: n[0], MergeRequestIID: n[1], CheckID: n[2], SHA: parts[3]}
	return store.NewDueResponse(key, n[3], time.UnixMilli(int64(score)), m), nil
}

func (rs responses) Put(ctx context.Context, r *storagev1.StatusCheckResponse) (*storagev1.StatusCheckResponse, error) {
	rid, err := rs.s.nextID(ctx, "responses")
	if err != nil {
		return nil, err
	}
	r.Id = rid
	return r, rs.Replace(ctx, r)
}

func (rs responses) Replace(ctx context.Context, r *storagev1.StatusCheckResponse) error {
	s := rs.s
	rec, err := encode(r)
	if err != nil {
		return err
	}
	if err := rs.indexDeadline(ctx, s.rdb, r); err != nil {
		return err
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		rs.write(ctx, tx, r, rec)
		return nil
	})
	return err
}

// indexDeadline adds a pending r's deadline entry. It goes in before the
// response: a crash before the response is written leaves an entry the
// sweeper finds stale and drops, never a pending response without a
// deadline.
func (rs responses) indexDeadline(ctx context.Context, c redis.Cmdable, r *storagev1.StatusCheckResponse) error {
	if r.GetStatus() != int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING) || r.GetDeadline() == nil {
		return nil
	}
	deadline := float64(r.GetDeadline().AsTime().UnixMilli())
	return c.ZAdd(ctx, rs.s.keys.responsesDue(), redis.Z{Score: deadline, Member: dueMember(r)}).Err()
}

// write queues r's write in a transaction: the response, its project's
// dirty mark (trains and auto-merge wait on status checks) and its tree's
// index.
func (rs responses) write(ctx context.Context, tx redis.Pipeliner, r *storagev1.StatusCheckResponse, rec []byte) {
	s := rs.s
	tx.HSet(ctx, s.keys.responses(r.GetProjectId(), r.GetMergeRequestIid()), responseField(r.GetCheckId(), r.GetSha()), rec)
	s.markDirty(ctx, tx, r.GetProjectId())
	s.indexTree(ctx, tx, r, rec)
}

// ReplaceReleasing makes an answer's write and its lease's release one
// round trip. Outside a Cluster that is one transaction over every key,
// the deadline entry first (so no crash leaves a pending response without
// one), the dirty set and the lease included: they are all on one server.
// On a Cluster a transaction stays in the project's slot, so it is Replace
// with the dirty mark and the release pipelined after its EXEC: after, not
// with it, as a Cluster client runs a pipeline's commands for different
// nodes concurrently, and the lease must not be free before the write
// landed.
func (rs responses) ReplaceReleasing(ctx context.Context, r *storagev1.StatusCheckResponse, name string) error {
	s := rs.s
	rec, err := encode(r)
	if err != nil {
		return err
	}
	if _, cluster := s.rdb.(*redis.ClusterClient); !cluster {
		_, err := s.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
			if err := rs.indexDeadline(ctx, tx, r); err != nil {
				return err
			}
			rs.write(ctx, tx, r, rec)
			tx.Del(ctx, s.keys.lease(name))
			return nil
		})
		return err
	}
	if err := rs.indexDeadline(ctx, s.rdb, r); err != nil {
		return err
	}
	d := &dirtyTx{}
	if _, err := s.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		d.Pipeliner = tx
		rs.write(ctx, d, r, rec)
		return nil
	}); err != nil {
		return err
	}
	_, err = s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		pl.SAdd(ctx, s.keys.trainsDirty(), id(r.GetProjectId()))
		pl.Del(ctx, s.keys.lease(name))
		return nil
	})
	return err
}

func (rs responses) NextIDLeased(ctx context.Context, name, holder string, ttl time.Duration) (int64, bool, error) {
	s := rs.s
	var rid *redis.IntCmd
	var taken *redis.BoolCmd
	// A pipeline, not a transaction: the sequence and the lease live in
	// different slots.
	if _, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		rid = pl.Incr(ctx, s.keys.seq("responses"))
		taken = pl.SetNX(ctx, s.keys.lease(name), holder, ttl)
		return nil
	}); err != nil {
		return 0, false, err
	}
	return rid.Val(), taken.Val(), nil
}

func (rs responses) Newest(ctx context.Context, pid, iid int64, sha string, checkIDs []int64) (map[int64]*storagev1.StatusCheckResponse, error) {
	out := make(map[int64]*storagev1.StatusCheckResponse, len(checkIDs))
	if len(checkIDs) == 0 {
		return out, nil
	}
	fields := make([]string, len(checkIDs))
	for i, c := range checkIDs {
		fields[i] = responseField(c, sha)
	}
	vals, err := rs.s.hmget(ctx, rs.s.keys.responses(pid, iid), fields...)
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

func (rs responses) Due(ctx context.Context, now time.Time, limit int) ([]store.DueResponse, error) {
	zs, err := rs.s.rdb.ZRangeByScoreWithScores(ctx, rs.s.keys.responsesDue(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, err
	}
	out := make([]store.DueResponse, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		d, err := parseDueMember(m, z.Score)
		if err != nil {
			// A malformed entry can never be handled; drop it rather than
			// block the queue behind it.
			rs.s.rdb.ZRem(ctx, rs.s.keys.responsesDue(), m)
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

func (rs responses) ClaimDue(ctx context.Context, d store.DueResponse) (bool, error) {
	s := rs.s
	// A check that timed out may stop a train or an auto-merge: they look
	// again. The mark comes first, in the project's slot, and the claim on
	// the global index after it (Redis Cluster cannot write both in one
	// transaction): a crash in between leaves the entry to be claimed again,
	// and a loser's mark is harmless.
	if _, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		s.markDirty(ctx, tx, d.Key.ProjectID)
		return nil
	}); err != nil {
		return false, err
	}
	rem, err := s.rdb.ZRem(ctx, s.keys.responsesDue(), d.Member()).Result()
	return rem == 1, err
}
