package app

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
	"github.com/signalbox/signalbox/server/store/storetest"
)

// TestStoreContractAsConfigured runs the store's contract on the stores
// exactly as the server opens them (openRedis, then redisstore.New): the
// default, embedded store with a plain client, and --redis-url. (The
// autopipelined client runs the contract in redisstore's tests.) A contract run on a client set up by hand once
// missed that the default configuration answered a merge request without
// notes with a 500.
func TestStoreContractAsConfigured(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	open := func(t *testing.T, url string, opts ...redisstore.Option) store.Store {
		rdb, closeRedis, err := openRedis(url, t.TempDir(), logger)
		require.NoError(t, err)
		t.Cleanup(func() { closeRedis() })
		return redisstore.New(rdb, opts...)
	}
	t.Run("EmbeddedDefault", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, "") })
	})
	t.Run("RedisURL", func(t *testing.T) {
		r := redistest.New(t)
		storetest.Run(t, func(t *testing.T) store.Store {
			return open(t, r.URL(), redisstore.WithKeyPrefix(redistest.Prefix(t)))
		})
	})
}
