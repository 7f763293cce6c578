package lease

import (
	"strconv"
	"sync/atomic"
)

// Holder names the holds of one replica, each with a name of its own. A
// hold that outlived its TTL then releases nothing it does not own: with one
// name for the whole replica, its release would delete the lease that
// another of the replica's requests took after the expiry.
type Holder struct {
	replica string
	n       atomic.Int64
}

// NewHolder returns the holder names of the replica named replica.
func NewHolder(replica string) *Holder { return &Holder{replica: replica} }

// Next returns a name no other hold of this Holder had: replica/sequence.
func (h *Holder) Next() string {
	return h.replica + "/" + strconv.FormatInt(h.n.Add(1), 10)
}
