package app

import (
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/store/embedded"
	"github.com/signalbox/signalbox/server/store/redisurl"
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
	target, err := redisurl.Parse(url)
	if err != nil {
		return nil, nil, err
	}
	rdb := target.Client()
	logger.Info("using Redis", target.LogAttrs()...)
	return rdb, rdb.Close, nil
}

// redisOptions are the client options for a --redis-url that names one
// server.
func redisOptions(url string) (*redis.Options, error) {
	target, err := redisurl.Parse(url)
	if err != nil {
		return nil, err
	}
	if target.Single == nil {
		return nil, fmt.Errorf("--redis-url: %s names more than one server", target.Topology)
	}
	return target.Single, nil
}

// pipelined is rdb with its commands sent through the client's
// autopipeliner (--redis-autopipeline): the commands that concurrent
// requests issue at the same moment go to Redis in one write and come back
// in one read, where each would otherwise cost a round trip of system calls
// on both sides of the socket. Under load that roughly doubles what the
// server answers per second; a lone request pays for it, as each command is
// handed to the pipeliner's flusher and back (docs/performance.md has both
// figures). It is off by default because go-redis marks it experimental,
// and a merge gate needs progress it can predict more than it needs peak
// throughput. Each caller's commands keep their order; transactions and
// pub/sub run on the client's own connections.
func pipelined(rdb redis.UniversalClient) redis.UniversalClient {
	c, ok := rdb.(*redis.Client)
	if !ok {
		return rdb
	}
	ap, err := c.AutoPipeline()
	if err != nil {
		return rdb // only invalid options fail, and these are the defaults
	}
	return ap
}
