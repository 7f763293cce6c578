package redisstore_test

import (
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/embedded"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
	"github.com/signalbox/signalbox/server/store/storetest"
)

func TestRealRedis(t *testing.T) {
	r := redistest.New(t)
	t.Logf("Redis from %s", r.Kind)
	rdb := r.Client(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return redisstore.New(rdb, redisstore.WithKeyPrefix(redistest.Prefix(t)))
	})
}

func TestEmbedded(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		srv, err := embedded.Start(t.TempDir(), slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		rdb := redis.NewClient(srv.Options())
		t.Cleanup(func() {
			rdb.Close()
			srv.Close()
		})
		// Through the autopipeliner, as the server talks to it (see app).
		ap, err := rdb.AutoPipeline()
		require.NoError(t, err)
		return redisstore.New(ap)
	})
}

// TestRealRedisAutoPipelined runs the contract over the client's
// autopipeliner, which is how the server talks to Redis (see app).
func TestRealRedisAutoPipelined(t *testing.T) {
	r := redistest.New(t)
	ap, err := r.Client(t).AutoPipeline()
	require.NoError(t, err)
	storetest.Run(t, func(t *testing.T) store.Store {
		return redisstore.New(ap, redisstore.WithKeyPrefix(redistest.Prefix(t)))
	})
}
