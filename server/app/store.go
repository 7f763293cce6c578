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
	opts, err := redisOptions(url)
	if err != nil {
		return nil, nil, err
	}
	rdb := redis.NewClient(opts)
	logger.Info("using Redis", "addr", opts.Addr, "db", opts.DB)
	return rdb, rdb.Close, nil
}

// redisOptions are the client options for --redis-url.
func redisOptions(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("--redis-url: %w", err)
	}
	opts.ReadTimeout = 5 * time.Second
	opts.WriteTimeout = 5 * time.Second
	opts.ContextTimeoutEnabled = true
	honestDials(opts)
	return opts, nil
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

// honestDials makes the connection pool dial one connection at a time, one
// attempt per dial, so that once a connection to a restarted Redis works,
// new ones do too, and /-/readiness cannot say 200 while requests are
// refused.
//
// go-redis's pool has a circuit breaker: after PoolSize failed dials it
// stops dialing and answers every request that needs a new connection with
// the last dial error, until its own probe, once a second, gets through.
// Meanwhile a dial already under way could still succeed once Redis was
// back (each dial tried 5 times, 100 ms apart, in the background) and park
// a working connection in the pool. Readiness pinged over that connection
// and said 200, while the other requests got the stale "connection
// refused", as 503s, for up to a second. With one dial at a time, the dial
// whose failure opens the breaker is the only one in flight, so no dial can
// succeed behind an open breaker; with one attempt per dial, a dial takes a
// single connect. A refused dial is still retried, as every command is
// (MaxRetries, with backoff). Connections are made one by one only while
// the pool grows, and a connect takes microseconds on a local socket.
func honestDials(opts *redis.Options) {
	opts.MaxConcurrentDials = 1
	opts.DialerRetries = 1
}
