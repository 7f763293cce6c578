package delivery

import (
	"context"
	"strconv"
	"time"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

// leaseName is the lease an attempt of a delivery holds; Cancel takes the
// same one, so a delivery is never withdrawn under an attempt.
func leaseName(ref store.DeliveryRef) string {
	return "delivery:" + strconv.FormatInt(ref.ProjectID, 10) + ":" + strconv.FormatInt(ref.ID, 10)
}

// cancelLeaseTTL bounds a cancel: one read and one write.
const cancelLeaseTTL = 10 * time.Second

// Cancel withdraws a pending delivery: it is marked canceled and leaves the
// queue. It reports false, and changes nothing, for a delivery an attempt
// holds right now (its POST may be on the wire) or one already finished.
func (q *Queue) Cancel(ctx context.Context, ref store.DeliveryRef) (bool, error) {
	lease, holder := leaseName(ref), "cancel:"+newWebhookID()
	ok, err := q.store.Leases().Acquire(ctx, lease, holder, cancelLeaseTTL)
	if err != nil || !ok {
		return false, err
	}
	defer q.store.Leases().Release(context.WithoutCancel(ctx), lease, holder)
	d, err := q.store.Deliveries().Get(ctx, ref)
	if err != nil {
		return false, err
	}
	if d.GetState() != int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING) {
		return false, nil
	}
	d.State = int32(signalboxv1.DeliveryState_DELIVERY_STATE_CANCELED)
	if err := q.store.Deliveries().Save(ctx, d, false); err != nil {
		return false, err
	}
	return true, nil
}
