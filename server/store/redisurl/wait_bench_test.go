package redisurl_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/store/redistest"
	"github.com/signalbox/signalbox/server/store/redisurl"
)

// BenchmarkReplicaWait compares a transaction of two writes (the shape of
// most store writes) on a primary with one replica under Sentinel, with
// and without waiting for the replica (docs/deploy.md quotes the ratio):
//
//	go test -run '^$' -bench ReplicaWait -benchtime 3000x ./server/store/redisurl
func BenchmarkReplicaWait(b *testing.B) {
	s := redistest.NewSentinel(b)
	for _, bc := range []struct{ name, query string }{
		{"no-wait", "wait_replicas=0"},
		{"wait-1", "wait_replicas=1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tg, err := redisurl.Parse(s.URL(bc.query))
			if err != nil {
				b.Fatal(err)
			}
			rdb := tg.Client()
			defer rdb.Close()
			ctx := b.Context()
			for b.Loop() {
				if _, err := rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
					tx.HSet(ctx, "{p:1}:bench", "f", 1)
					tx.Incr(ctx, "{p:1}:news")
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
