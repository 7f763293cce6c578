package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/store/embedded"
)

// openRedis connects to the Redis named by url, or starts the embedded store
// in dataDir when url is empty. Either way the rest of the server talks
// go-redis to it. The returned func releases it.
func openRedis(url, dataDir string, logger *slog.Logger) (redis.UniversalClient, func() error, error) {
	if url == "" {
		srv, err := embedded.Start(dataDir, logger)
		if err != nil {
			return nil, nil, err
		}
		rdb := redis.NewClient(srv.Options())
		logger.Info("using the embedded store", "data_dir", dataDir)
		return rdb, func() error {
			rdb.Close()
			return srv.Close()
		}, nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("--redis-url: %w", err)
	}
	opts.ReadTimeout = 5 * time.Second
	opts.WriteTimeout = 5 * time.Second
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	logger.Info("using Redis", "addr", opts.Addr, "db", opts.DB)
	return rdb, rdb.Close, nil
}
