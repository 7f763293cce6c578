package embedded

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// BenchmarkPostShape runs, against the embedded store, the store commands
// of a POST .../status_check_responses as the server sends them (the read
// ahead's pipeline, the id with the pair lease, the answer's transaction
// with the lease back), next to the ceiling's one SET, from 64 goroutines
// as the load tool's 64 clients. The SQLite writer is one connection, so
// what bounds a POST here is its write transactions:
//
//	go test ./server/store/embedded -run '^$' -bench PostShape -benchtime 3s
//
// "lease_in_multi" sends the id and the lease in one MULTI, which redka
// runs as one write transaction instead of two.
func BenchmarkPostShape(b *testing.B) {
	srv, err := Start(b.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	opts := srv.Options()
	// A connection for each goroutine, so that the store, not go-redis's
	// pool, is what they queue for.
	opts.PoolSize = 64
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	rec := make([]byte, 300)
	// The records the read ahead finds.
	for p := range 4 {
		for m := range 16 {
			rdb.Set(ctx, fmt.Sprintf("sb:mr:%d:%d", p, m), rec, 0)
			rdb.HSet(ctx, fmt.Sprintf("sb:responses:%d:%d", p, m), "1:sha", rec, "2:sha", rec)
		}
		rdb.Set(ctx, fmt.Sprintf("sb:project:%d", p), rec, 0)
		rdb.SAdd(ctx, fmt.Sprintf("sb:checks:%d", p), "1", "2", "3", "4")
	}
	rdb.Set(ctx, "sb:token", rec, 0)
	rdb.Set(ctx, "sb:user", rec, 0)

	var n atomic.Int64
	readAhead := func(p, m int64) error {
		_, err := rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
			pl.Get(ctx, "sb:token")
			pl.Get(ctx, "sb:user")
			pl.Get(ctx, fmt.Sprintf("sb:project:%d", p))
			pl.Get(ctx, fmt.Sprintf("sb:mr:%d:%d", p, m))
			pl.HMGet(ctx, "sb:members", "1")
			pl.HMGet(ctx, "sb:checkrecs", "1", "2")
			pl.HMGet(ctx, fmt.Sprintf("sb:responses:%d:%d", p, m), "1:sha", "2:sha")
			pl.HGetAll(ctx, fmt.Sprintf("sb:branches:%d", p))
			pl.SMembers(ctx, fmt.Sprintf("sb:checks:%d", p))
			return nil
		})
		return err
	}
	idLease := func(lease string, tx bool) error {
		run := rdb.Pipelined
		if tx {
			run = rdb.TxPipelined
		}
		_, err := run(ctx, func(pl redis.Pipeliner) error {
			pl.Incr(ctx, "sb:seq:responses")
			pl.SetNX(ctx, lease, "holder", 30*time.Second)
			return nil
		})
		return err
	}
	write := func(p, m int64, lease string) error {
		_, err := rdb.TxPipelined(ctx, func(pl redis.Pipeliner) error {
			pl.HSet(ctx, fmt.Sprintf("sb:responses:%d:%d", p, m), "1:sha", rec)
			pl.SAdd(ctx, "sb:trains:dirty", strconv.FormatInt(p, 10))
			pl.Del(ctx, lease)
			return nil
		})
		return err
	}
	post := func(leaseInMulti bool) func() error {
		return func() error {
			i := n.Add(1)
			p, m := i%4, i%16
			lease := fmt.Sprintf("sb:lease:%d:%d:%d", p, m, i%4)
			if err := readAhead(p, m); err != nil {
				return err
			}
			if err := idLease(lease, leaseInMulti); err != nil {
				return err
			}
			return write(p, m, lease)
		}
	}
	for _, c := range []struct {
		name string
		op   func() error
	}{
		{"ceiling_SET", func() error {
			return rdb.Set(ctx, "ceiling:"+strconv.FormatInt(n.Add(1)%100000, 10), "/x", 0).Err()
		}},
		{"post_today", post(false)},
		{"post_lease_in_multi", post(true)},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpu := processCPU(b)
			// 64 goroutines, as the load tool's 64 clients.
			b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.op(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

func processCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
