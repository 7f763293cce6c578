package redisurl

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is the error of a write that fewer replicas than asked
// acknowledged in time. The write may still be on the primary; it was not
// acknowledged to the caller, so a failover that loses it loses nothing a
// client was told had happened.
var ErrNotReplicated = errors.New("redis: write not acknowledged by enough replicas")

// replicaWait runs every write, with a WAIT after it, on one connection of
// its own: WAIT counts the replicas that have the writes of the connection
// it is sent on, so it must follow them there. Redis replicates
// asynchronously; without this a primary that dies just after answering
// takes its last acknowledged writes with it, and Sentinel promotes a
// replica that never saw them.
//
// A transaction is sent whole (MULTI ... EXEC) and waited for once.
type replicaWait struct {
	client *redis.Client
	wait   Wait
}

// waiting marks a context whose commands already run under a replicaWait,
// so that the hook, which the dedicated connection inherits, lets them
// through.
type waiting struct{}

func (h *replicaWait) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *replicaWait) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(waiting{}) != nil || !isWrite(cmd) {
			return next(ctx, cmd)
		}
		return h.onOneConn(ctx, func(ctx context.Context, c *redis.Conn) error {
			return c.Process(ctx, cmd)
		})
	}
}

func (h *replicaWait) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ctx.Value(waiting{}) != nil || !anyWrite(cmds) {
			return next(ctx, cmds)
		}
		return h.onOneConn(ctx, func(ctx context.Context, c *redis.Conn) error {
			var p redis.Pipeliner
			inner := cmds
			if n := len(cmds); n >= 2 && cmds[0].Name() == "multi" && cmds[n-1].Name() == "exec" {
				p, inner = c.TxPipeline(), cmds[1:n-1]
			} else {
				p = c.Pipeline()
			}
			for _, cmd := range inner {
				_ = p.Process(ctx, cmd)
			}
			_, err := p.Exec(ctx)
			return err
		})
	}
}

func (h *replicaWait) onOneConn(ctx context.Context, run func(context.Context, *redis.Conn) error) error {
	ctx = context.WithValue(ctx, waiting{}, true)
	c := h.client.Conn()
	defer c.Close()
	if err := run(ctx, c); err != nil {
		return err
	}
	n, err := c.Wait(ctx, h.wait.Replicas, h.wait.Timeout).Result()
	if err != nil {
		return fmt.Errorf("redis: wait for replicas: %w", err)
	}
	if n < int64(h.wait.Replicas) {
		return fmt.Errorf("%w: %d of %d within %s", ErrNotReplicated, n, h.wait.Replicas, h.wait.Timeout)
	}
	return nil
}

// reads are the commands that write nothing; anything else is waited for.
// Unknown commands count as writes: a needless WAIT costs a round trip, a
// missing one an acknowledged write.
var reads = map[string]bool{
	"get": true, "mget": true, "exists": true, "strlen": true, "getrange": true,
	"hget": true, "hmget": true, "hgetall": true, "hexists": true, "hlen": true, "hkeys": true, "hvals": true, "hscan": true,
	"smembers": true, "sismember": true, "smismember": true, "scard": true, "srandmember": true, "sscan": true,
	"zrange": true, "zrangebyscore": true, "zrevrange": true, "zrevrangebyscore": true, "zscore": true, "zmscore": true,
	"zcard": true, "zcount": true, "zrank": true, "zrevrank": true, "zscan": true,
	"lrange": true, "llen": true, "lindex": true,
	"ttl": true, "pttl": true, "type": true, "scan": true, "keys": true, "dbsize": true,
	"ping": true, "echo": true, "info": true, "time": true, "hello": true, "auth": true, "select": true,
	"client": true, "command": true, "cluster": true, "readonly": true, "asking": true, "role": true,
	"wait": true, "multi": true, "exec": true, "discard": true, "quit": true,
	"publish": true, "subscribe": true, "psubscribe": true, "unsubscribe": true, "punsubscribe": true,
}

func isWrite(cmd redis.Cmder) bool { return !reads[cmd.Name()] }

func anyWrite(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if isWrite(c) {
			return true
		}
	}
	return false
}

var _ redis.Hook = (*replicaWait)(nil)
