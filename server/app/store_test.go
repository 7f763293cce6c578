package app

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/store/redistest"
)

// outage is a dialer in front of a real Redis that refuses connections
// while down, and can hold one dial in flight.
type outage struct {
	mu   sync.Mutex
	down bool
	hold chan struct{} // the next dial waits until this is closed
	held chan struct{} // closed once a dial is waiting
}

func (o *outage) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	o.mu.Lock()
	hold := o.hold
	o.hold = nil
	o.mu.Unlock()
	if hold != nil {
		close(o.held)
		<-hold
	}
	o.mu.Lock()
	down := o.down
	o.mu.Unlock()
	if down {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// TestAWorkingConnectionAfterAnOutageMeansNewOnesWork: Redis refuses
// connections for a while, one dial is still under way when it comes back,
// and a PING succeeds (that is what /-/readiness asks). From then on every
// request must succeed, the ones that need a new connection included. With
// go-redis's defaults they did not: the failed dials had opened the pool's
// dial breaker, which went on answering "connection refused" for up to a
// second, while the late dial parked a working connection for the PING
// (TestFaultRedisRestartDuringLoad's rare 503 after readiness said 200).
func TestAWorkingConnectionAfterAnOutageMeansNewOnesWork(t *testing.T) {
	t.Parallel()
	r := redistest.New(t)
	opts, err := redisOptions(r.URL())
	require.NoError(t, err)
	o := &outage{down: true, hold: make(chan struct{}), held: make(chan struct{})}
	release := o.hold
	opts.Dialer = o.dial
	opts.PoolSize = 3 // the breaker opens after PoolSize failed dials
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	ctx := t.Context()

	// A request whose dial is still under way when Redis comes back.
	early, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	go func() { _ = rdb.Get(early, "k").Err() }()
	<-o.held
	// Requests during the outage; all fail.
	var during sync.WaitGroup
	for range opts.PoolSize {
		during.Go(func() {
			c, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			require.Error(t, rdb.Get(c, "k").Err())
		})
	}
	during.Wait()

	// Redis is back, and the dial under way connects.
	o.mu.Lock()
	o.down = false
	o.mu.Unlock()
	close(release)
	require.Eventually(t, func() bool { return rdb.Ping(ctx).Err() == nil }, 5*time.Second, 5*time.Millisecond, "readiness")

	var after sync.WaitGroup
	errs := make(chan error, 2*opts.PoolSize)
	for range 2 * opts.PoolSize {
		after.Go(func() {
			// Each holds its connection for a while, so most need a new one.
			err := rdb.BLPop(ctx, 50*time.Millisecond, "nothing").Err()
			if errors.Is(err, redis.Nil) {
				err = nil // nothing came within the wait, as expected
			}
			errs <- err
		})
	}
	after.Wait()
	close(errs)
	var failed []error
	for err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	require.Empty(t, failed, "requests after readiness: %v", errors.Join(failed...))
}
