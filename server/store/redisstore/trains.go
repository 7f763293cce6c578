package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

// A train is a chain of versions. Version n is the string key
// trainVersion(n), written once with SET NX, so of two writers that both read
// version n-1 exactly one stores version n. A sorted set indexes the
// versions by negated number, so its lowest score is the newest version
// (redka has no reversed ranges).
//
// Superseded versions expire after versionTTL, which bounds what a train
// costs. A writer that paused for longer than that could store an expired
// version again; the index then already holds a higher one, and Commit,
// which reads the newest version in the same transaction, reports the
// conflict instead of a success.
const (
	versionTTL = time.Hour
	// keptVersions is how many index entries are kept; older ones are
	// trimmed as newer ones are committed.
	keptVersions = 16
)

type trains struct{ s *Store }

func (ts trains) Load(ctx context.Context, t store.TrainRef) (*storagev1.Train, error) {
	s := ts.s
	for range 8 {
		n, ok, err := ts.newest(ctx, s.rdb, t)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &storagev1.Train{ProjectId: t.ProjectID, TargetBranch: t.Branch}, nil
		}
		b, err := s.rdb.Get(ctx, s.keys.trainVersion(t, n)).Bytes()
		if errors.Is(err, redis.Nil) {
			continue // superseded and expired between the two reads
		}
		if err != nil {
			return nil, err
		}
		return decode(b, &storagev1.Train{})
	}
	return nil, fmt.Errorf("redisstore: train %d/%s has no readable version", t.ProjectID, t.Branch)
}

// newest reads the number of the train's newest version.
func (ts trains) newest(ctx context.Context, c redis.Cmdable, t store.TrainRef) (int64, bool, error) {
	ids, err := c.ZRangeByScore(ctx, ts.s.keys.trainVersions(t), &redis.ZRangeBy{Min: "-inf", Max: "+inf", Count: 1}).Result()
	if err != nil || len(ids) == 0 {
		return 0, false, err
	}
	n, err := strconv.ParseInt(ids[0], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("redisstore: train version %q: %w", ids[0], err)
	}
	return n, true, nil
}

func (ts trains) Commit(ctx context.Context, next *storagev1.Train) error {
	s := ts.s
	t := store.TrainRef{ProjectID: next.GetProjectId(), Branch: next.GetTargetBranch()}
	n := next.GetVersion()
	if n < 1 {
		return fmt.Errorf("redisstore: commit train %d/%s at version %d", t.ProjectID, t.Branch, n)
	}
	b, err := encode(next)
	if err != nil {
		return err
	}
	versions := s.keys.trainVersions(t)
	var stored *redis.BoolCmd
	var newest *redis.StringSliceCmd
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		stored = tx.SetNX(ctx, s.keys.trainVersion(t, n), b, 0)
		// Harmless when the SET lost: the winner added the same entry.
		tx.ZAdd(ctx, versions, redis.Z{Score: float64(-n), Member: id(n)})
		if n > 1 {
			tx.PExpire(ctx, s.keys.trainVersion(t, n-1), versionTTL)
		}
		tx.ZRemRangeByScore(ctx, versions, strconv.FormatInt(-(n-keptVersions), 10), "+inf")
		tx.SAdd(ctx, s.keys.trains(t.ProjectID), t.Branch)
		newest = tx.ZRangeByScore(ctx, versions, &redis.ZRangeBy{Min: "-inf", Max: "+inf", Count: 1})
		return nil
	})
	if err != nil {
		return err
	}
	if !stored.Val() {
		return store.ErrConflict
	}
	if top := newest.Val(); len(top) != 1 || top[0] != id(n) {
		return store.ErrConflict // a version that had expired: the chain went on without it
	}
	return nil
}

func (ts trains) Branches(ctx context.Context, pid int64) ([]string, error) {
	return ts.s.rdb.SMembers(ctx, ts.s.keys.trains(pid)).Result()
}

func (ts trains) NextCarID(ctx context.Context) (int64, error) { return ts.s.nextID(ctx, "cars") }

func (ts trains) Submit(ctx context.Context, t store.TrainRef, cmd *storagev1.TrainCommand, mr *storagev1.MergeRequest) (*storagev1.TrainCommand, error) {
	s := ts.s
	cid, err := s.nextID(ctx, "train_commands")
	if err != nil {
		return nil, err
	}
	cmd.Id = cid
	b, err := encode(cmd)
	if err != nil {
		return nil, err
	}
	var mb []byte
	if mr != nil {
		if mr.GetProjectId() != t.ProjectID {
			return nil, fmt.Errorf("redisstore: submit to project %d with a merge request of project %d", t.ProjectID, mr.GetProjectId())
		}
		if mb, err = encode(mr); err != nil {
			return nil, err
		}
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.HSet(ctx, s.keys.trainCommands(t), id(cid), b)
		if mb != nil {
			s.putMergeRequest(ctx, tx, mr, mb)
		}
		tx.SAdd(ctx, s.keys.trains(t.ProjectID), t.Branch)
		s.markDirty(ctx, tx, t.ProjectID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cmd, nil
}

func (ts trains) Commands(ctx context.Context, t store.TrainRef) ([]*storagev1.TrainCommand, error) {
	all, err := ts.s.rdb.HGetAll(ctx, ts.s.keys.trainCommands(t)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.TrainCommand { return &storagev1.TrainCommand{} }, (*storagev1.TrainCommand).GetId)
}

func (ts trains) Forget(ctx context.Context, t store.TrainRef, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	fields := make([]string, len(ids))
	for i, n := range ids {
		fields[i] = id(n)
	}
	return ts.s.rdb.HDel(ctx, ts.s.keys.trainCommands(t), fields...).Err()
}

func (ts trains) Archive(ctx context.Context, pid int64, cars []*storagev1.Car) error {
	if len(cars) == 0 {
		return nil
	}
	values := make([]any, 0, 2*len(cars))
	for _, c := range cars {
		b, err := encode(c)
		if err != nil {
			return err
		}
		values = append(values, id(c.GetId()), b)
	}
	return ts.s.rdb.HSet(ctx, ts.s.keys.carArchive(pid), values...).Err()
}

func (ts trains) Archived(ctx context.Context, pid int64) ([]*storagev1.Car, error) {
	all, err := ts.s.rdb.HGetAll(ctx, ts.s.keys.carArchive(pid)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.Car { return &storagev1.Car{} }, (*storagev1.Car).GetId)
}

func (ts trains) MarkDirty(ctx context.Context, pid int64) error {
	s := ts.s
	_, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		s.markDirty(ctx, tx, pid)
		return nil
	})
	return err
}

func (ts trains) Dirty(ctx context.Context) ([]int64, error) {
	members, err := ts.s.rdb.SMembers(ctx, ts.s.keys.trainsDirty()).Result()
	if err != nil {
		return nil, err
	}
	return parseIDs(members)
}

func (ts trains) News(ctx context.Context, pid int64) (int64, error) {
	n, err := ts.s.rdb.Get(ctx, ts.s.keys.news(pid)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

func (ts trains) Clean(ctx context.Context, pid int64) error {
	return ts.s.rdb.SRem(ctx, ts.s.keys.trainsDirty(), id(pid)).Err()
}

// markDirty is the write that every transaction changing what trains depend
// on adds, so the change and the work it causes are written together: the
// project's news counter in the transaction, and its dirty mark just after
// it (see slots.go), when tx is one that s.tx runs.
func (s *Store) markDirty(ctx context.Context, tx redis.Pipeliner, pid int64) {
	tx.Incr(ctx, s.keys.news(pid))
	if d, ok := tx.(*dirtyTx); ok {
		d.projects = append(d.projects, pid)
		return
	}
	tx.SAdd(ctx, s.keys.trainsDirty(), id(pid))
}

// branchKey names a branch inside a key: hex, so that no branch name (they
// may hold ':' and '{') can reach into another key.
func branchKey(branch string) string { return hex.EncodeToString([]byte(branch)) }
