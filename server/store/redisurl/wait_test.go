package redisurl_test

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/store/redistest"
	"github.com/signalbox/signalbox/server/store/redisurl"
)

// TestWaitRefusesWritesNoReplicaAcknowledged: a server without replicas,
// asked to wait for one, refuses every write, single, pipelined or in a
// transaction, and still serves reads.
func TestWaitRefusesWritesNoReplicaAcknowledged(t *testing.T) {
	t.Parallel()
	r := redistest.New(t, redistest.Owned())
	tg, err := redisurl.Parse(r.URL() + "?wait_replicas=1&wait_timeout=50ms")
	require.NoError(t, err)
	rdb := tg.Client()
	t.Cleanup(func() { rdb.Close() })
	ctx := t.Context()

	require.ErrorIs(t, rdb.Set(ctx, "k", "v", 0).Err(), redisurl.ErrNotReplicated)
	_, err = rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Set(ctx, "a", 1, 0)
		tx.Incr(ctx, "b")
		return nil
	})
	require.ErrorIs(t, err, redisurl.ErrNotReplicated)
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, "h", "f", 1)
		return nil
	})
	require.ErrorIs(t, err, redisurl.ErrNotReplicated)

	// The writes reached the primary: only their acknowledgement is missing.
	v, err := rdb.Get(ctx, "k").Result()
	require.NoError(t, err)
	require.Equal(t, "v", v)
	n, err := rdb.Get(ctx, "b").Int()
	require.NoError(t, err)
	require.Equal(t, 1, n, "the transaction ran once")
	require.NoError(t, rdb.Ping(ctx).Err())

}
