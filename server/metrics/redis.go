package metrics

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisHook returns a go-redis hook that times every command, pipeline and
// transaction and counts the ones that fail. Add it to the store's client.
func (m *Metrics) RedisHook() redis.Hook { return redisHook{m} }

type redisHook struct{ m *Metrics }

func (h redisHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			h.m.storeErrors.WithLabelValues("dial").Inc()
		}
		return c, err
	}
}

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.observe(commandName(cmd.Name()), start, err)
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		name := "pipeline"
		if len(cmds) > 0 && cmds[0].Name() == "multi" {
			name = "multi"
		}
		h.observe(name, start, err)
		return err
	}
}

func (h redisHook) observe(name string, start time.Time, err error) {
	h.m.storeSeries.get(name).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, redis.Nil) {
		h.m.storeErrors.WithLabelValues(name).Inc()
	}
}

// commandName bounds the command label: the store sends only commands of
// this list; anything else (a client's internal command) is "other".
func commandName(name string) string {
	if knownCommands[name] {
		return name
	}
	return "other"
}

var knownCommands = map[string]bool{
	"get": true, "set": true, "del": true, "incr": true, "incrby": true, "mget": true, "exists": true,
	"hget": true, "hset": true, "hsetnx": true, "hdel": true, "hmget": true, "hgetall": true, "hexists": true, "hlen": true, "hkeys": true, "hvals": true,
	"sadd": true, "srem": true, "smembers": true, "sismember": true, "scard": true,
	"zadd": true, "zrem": true, "zrange": true, "zrangebyscore": true, "zscore": true, "zcard": true,
	"lpush": true, "rpush": true, "lrange": true, "ltrim": true, "llen": true, "lrem": true,
	"expire": true, "pexpire": true, "ttl": true, "pttl": true, "publish": true, "ping": true, "wait": true,
}
