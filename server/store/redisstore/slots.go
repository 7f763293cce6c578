package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Redis Cluster runs a transaction only when every key it names hashes to
// one slot. A project's keys share one ({p:<id>}), but the set of projects
// whose trains must look again (trainsDirty) is global, so it cannot be
// written in a project's transaction. The transaction increments the
// project's news counter, in its slot, and the project joins the dirty set
// just after EXEC. A crash between the two loses the mark, not the change;
// the merge train loop re-marks every project with a train or an armed
// merge request every 30 s (mergetrain's backstop), which picks it up.
//
// The contract suite runs on a real Cluster (TestRedisCluster), where a
// transaction across slots fails, so a new one cannot slip in.

// dirtyTx is a transaction's pipeline that remembers the projects
// markDirty marked, for tx to add to the dirty set after EXEC.
type dirtyTx struct {
	redis.Pipeliner
	projects []int64
}

// tx runs fn's commands as one MULTI/EXEC transaction, then marks dirty
// the projects fn asked to (see markDirty).
func (s *Store) tx(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error) {
	d := &dirtyTx{}
	cmds, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		d.Pipeliner = p
		return fn(d)
	})
	if err != nil || len(d.projects) == 0 {
		return cmds, err
	}
	return cmds, s.flagDirty(ctx, d.projects...)
}

// flagDirty adds projects to the dirty set.
func (s *Store) flagDirty(ctx context.Context, pids ...int64) error {
	members := make([]any, len(pids))
	for i, pid := range pids {
		members[i] = id(pid)
	}
	return s.rdb.SAdd(ctx, s.keys.trainsDirty(), members...).Err()
}
