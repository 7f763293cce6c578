package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

// dispatchedHeads maps each merge request iid of a project to the head its
// last dispatch recorded.
func (k keys) dispatchedHeads(pid int64) string {
	return k.projectTag(pid) + "merge_requests:dispatched"
}

func (rs responses) Dispatch(ctx context.Context, d store.Dispatch) error {
	s := rs.s
	pid, iid := d.ProjectID, d.MergeRequestIID
	for _, r := range d.Responses {
		if r.GetProjectId() != pid || r.GetMergeRequestIid() != iid {
			return fmt.Errorf("redisstore: dispatch for merge request %d!%d holds a response of %d!%d", pid, iid, r.GetProjectId(), r.GetMergeRequestIid())
		}
	}
	for _, dl := range d.Deliveries {
		if dl.GetProjectId() != pid {
			return fmt.Errorf("redisstore: dispatch for project %d holds a delivery of project %d", pid, dl.GetProjectId())
		}
	}
	if err := rs.drawIDs(ctx, d); err != nil {
		return err
	}
	// Encode everything before anything is written, so nothing is half
	// written because one record would not encode.
	fields := make([]any, 0, 2*len(d.Responses))
	responseRecords := make([][]byte, len(d.Responses))
	var deadlines []redis.Z
	for i, r := range d.Responses {
		rec, err := encode(r)
		if err != nil {
			return err
		}
		responseRecords[i] = rec
		fields = append(fields, responseField(r.GetCheckId(), r.GetSha()), rec)
		if r.GetStatus() == int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING) && r.GetDeadline() != nil {
			deadlines = append(deadlines, redis.Z{Score: score(r.GetDeadline().AsTime()), Member: dueMember(r)})
		}
	}
	records := make([][]byte, len(d.Deliveries))
	for i, dl := range d.Deliveries {
		rec, err := encode(dl)
		if err != nil {
			return err
		}
		records[i] = rec
	}
	ask, err := carAskRecord(pid, iid, d.CarAsk)
	if err != nil {
		return err
	}
	// The deadline index is global, outside the project's slot, so it is
	// written first: entries whose responses never land are stale, and the
	// sweep drops them.
	if len(deadlines) > 0 {
		if err := s.rdb.ZAdd(ctx, s.keys.responsesDue(), deadlines...).Err(); err != nil {
			return err
		}
	}
	dls := deliveries(rs)
	if _, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		if len(fields) > 0 {
			tx.HSet(ctx, s.keys.responses(pid, iid), fields...)
			// Trains and auto-merge wait on status checks.
			s.markDirty(ctx, tx, pid)
		}
		for i, r := range d.Responses {
			s.indexTree(ctx, tx, r, responseRecords[i])
		}
		if ask != nil {
			tx.HSet(ctx, s.keys.carAsks(pid), carAskField(iid, d.CarAsk.GetSha()), ask)
		}
		if d.CarSettled != "" {
			tx.HDel(ctx, s.keys.carAsks(pid), carAskField(iid, d.CarSettled))
		}
		for i, dl := range d.Deliveries {
			dls.queue(ctx, tx, dl, records[i])
		}
		if d.Head != "" {
			tx.HSet(ctx, s.keys.dispatchedHeads(pid), id(iid), d.Head)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(d.Deliveries) == 0 {
		return nil
	}
	if err := dls.Reindex(ctx, pid); err != nil {
		return err
	}
	trimmed := map[int64]bool{}
	for _, dl := range d.Deliveries {
		if c := dl.GetCheckId(); !trimmed[c] {
			trimmed[c] = true
			if err := dls.trimLog(ctx, pid, s.keys.deliveryLog(pid, c)); err != nil {
				return err
			}
		}
	}
	return nil
}

// drawIDs gives every new response and every delivery of d an id, drawing
// each kind's ids with one INCRBY.
func (rs responses) drawIDs(ctx context.Context, d store.Dispatch) error {
	var fresh []*storagev1.StatusCheckResponse
	for _, r := range d.Responses {
		if r.GetId() == 0 {
			fresh = append(fresh, r)
		}
	}
	first, err := rs.s.drawIDs(ctx, "responses", len(fresh))
	if err != nil {
		return err
	}
	for i, r := range fresh {
		r.Id = first + int64(i)
	}
	if first, err = rs.s.drawIDs(ctx, "deliveries", len(d.Deliveries)); err != nil {
		return err
	}
	for i, dl := range d.Deliveries {
		dl.Id = first + int64(i)
	}
	return nil
}

// drawIDs draws n consecutive ids of a kind and returns the first.
func (s *Store) drawIDs(ctx context.Context, kind string, n int) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	last, err := s.rdb.IncrBy(ctx, s.keys.seq(kind), int64(n)).Result()
	return last - int64(n) + 1, err
}

func (rs responses) DispatchedHeads(ctx context.Context, pid int64) (map[int64]string, error) {
	all, err := rs.s.rdb.HGetAll(ctx, rs.s.keys.dispatchedHeads(pid)).Result()
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(all))
	for k, v := range all {
		iid, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			continue
		}
		out[iid] = v
	}
	return out, nil
}
