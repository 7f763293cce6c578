package lease_test

import (
	"testing"
	"time"

	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestAnExpiredHoldDoesNotReleaseItsSuccessor: two requests of one replica
// take the same lease one after the other, the first outliving its TTL. When
// the first finishes, the second must still hold the lease, so a third
// cannot take it while the second writes.
func TestAnExpiredHoldDoesNotReleaseItsSuccessor(t *testing.T) {
	rd := redistest.New(t)
	leases := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t))).Leases()
	holder := lease.NewHolder("replica-a")
	ctx := t.Context()
	const ttl = 100 * time.Millisecond

	secondHolds := make(chan struct{})
	firstDone := make(chan struct{})
	secondErr := make(chan error, 1)
	err := lease.Hold(ctx, leases, "mr:1:1", holder.Next(), ttl, func() error {
		go func() {
			// Takes the lease once the first's TTL ran out.
			secondErr <- lease.Hold(ctx, leases, "mr:1:1", holder.Next(), 10*time.Second, func() error {
				close(secondHolds)
				<-firstDone
				ok, err := leases.Acquire(ctx, "mr:1:1", holder.Next(), 10*time.Second)
				if err != nil {
					return err
				}
				if ok {
					t.Error("a third hold took the lease the second still held: the first's release freed it")
				}
				return nil
			})
		}()
		<-secondHolds
		return nil
	})
	close(firstDone)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-secondErr; err != nil {
		t.Fatal(err)
	}
}

func TestHolderNamesEveryHoldApart(t *testing.T) {
	h := lease.NewHolder("r")
	a, b := h.Next(), h.Next()
	if a == b || a != "r/1" || b != "r/2" {
		t.Fatalf("Next gave %q then %q, want r/1 then r/2", a, b)
	}
}
