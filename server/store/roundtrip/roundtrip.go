// Package roundtrip counts what a piece of work costs in Redis: the
// commands it sends and the round trips they take (a pipeline or a
// transaction is one round trip). The load tool prints the figures per
// request, and tests hold the hot paths to a budget, so that a change that
// adds a round trip shows up.
package roundtrip

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Count is what the work done under one context cost.
type Count struct {
	commands   atomic.Int64
	roundTrips atomic.Int64
}

// Commands is the number of Redis commands sent, MULTI and EXEC included.
func (c *Count) Commands() int64 { return c.commands.Load() }

// RoundTrips is the number of times a caller waited for Redis: one per
// command sent alone, one per pipeline or transaction.
func (c *Count) RoundTrips() int64 { return c.roundTrips.Load() }

type countKey struct{}

// WithCount returns ctx under which the Hook adds to c.
func WithCount(ctx context.Context, c *Count) context.Context {
	return context.WithValue(ctx, countKey{}, c)
}

func countFrom(ctx context.Context) *Count {
	c, _ := ctx.Value(countKey{}).(*Count)
	return c
}

// Hook is a go-redis hook that adds every command and round trip made
// under a context from WithCount to its Count; other work is not counted.
type Hook struct{}

var _ redis.Hook = Hook{}

// DialHook leaves dials alone.
func (Hook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook counts one command in one round trip.
func (Hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if c := countFrom(ctx); c != nil {
			c.commands.Add(1)
			c.roundTrips.Add(1)
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts a pipeline's commands in one round trip.
func (Hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if c := countFrom(ctx); c != nil && len(cmds) > 0 {
			c.commands.Add(int64(len(cmds)))
			c.roundTrips.Add(1)
		}
		return next(ctx, cmds)
	}
}
