package redisstore_test

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
	"github.com/signalbox/signalbox/server/store/redisurl"
	"github.com/signalbox/signalbox/server/store/storetest"
)

// TestRedisCluster runs the contract on a Redis Cluster of three primaries,
// through the client --redis-url builds. go-redis refuses a transaction
// whose keys live in more than one hash slot (ErrCrossSlot), and the
// cluster refuses a command that names keys of several slots (CROSSSLOT),
// so every multi-key operation of the store passing here is the proof that
// its keys share a slot.
func TestRedisCluster(t *testing.T) {
	t.Parallel()
	c := redistest.NewCluster(t)
	rdb := open(t, c.URL())
	storetest.Run(t, func(t *testing.T) store.Store {
		return redisstore.New(rdb, redisstore.WithKeyPrefix(redistest.Prefix(t)))
	})
}

// TestRedisSentinel runs the contract on a primary found through Sentinel,
// with every write waiting for the replica, as --redis-url sets it up by
// default.
func TestRedisSentinel(t *testing.T) {
	t.Parallel()
	s := redistest.NewSentinel(t)
	rdb := open(t, s.URL())
	storetest.Run(t, func(t *testing.T) store.Store {
		return redisstore.New(rdb, redisstore.WithKeyPrefix(redistest.Prefix(t)))
	})
}

func open(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	target, err := redisurl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := target.Client()
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestRedisClusterRefusesCrossSlotTransactions shows that TestRedisCluster
// can fail: the same client refuses a transaction over two slots.
func TestRedisClusterRefusesCrossSlotTransactions(t *testing.T) {
	t.Parallel()
	rdb := open(t, redistest.NewCluster(t).URL())
	_, err := rdb.TxPipelined(t.Context(), func(tx redis.Pipeliner) error {
		tx.Set(t.Context(), "{p:1}:a", 1, 0)
		tx.Set(t.Context(), "{p:2}:b", 1, 0)
		return nil
	})
	require.Error(t, err)
}
