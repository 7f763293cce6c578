package statuscheck

import (
	"context"
	"errors"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
)

// ErrDeliveryNotFound means the check has no delivery with that id.
var ErrDeliveryNotFound = errors.New("delivery not found")

// deliveryLogLimit is how many deliveries the log shows.
const deliveryLogLimit = 100

// Deliveries returns a check's newest deliveries, newest first, with every
// attempt: what GitLab does not keep, and what a check author needs to see
// why a check never answered. Maintainers and above.
func (s *Service) Deliveries(ctx context.Context, sc *project.Scope, checkID int64) ([]*storagev1.Delivery, error) {
	if _, err := s.get(ctx, sc.Project.GetId(), checkID); err != nil {
		return nil, err
	}
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	return s.store.Deliveries().Log(ctx, sc.Project.GetId(), checkID, deliveryLogLimit)
}

// Redeliver sends an earlier delivery's payload again, as a new delivery
// with the same webhook id, to the check's current URL and secret.
// Maintainers and above.
func (s *Service) Redeliver(ctx context.Context, sc *project.Scope, checkID, deliveryID int64) (*storagev1.Delivery, error) {
	c, err := s.get(ctx, sc.Project.GetId(), checkID)
	if err != nil {
		return nil, err
	}
	if err := sc.Require(auth.Maintainer); err != nil {
		return nil, err
	}
	d, err := s.store.Deliveries().Get(ctx, store.DeliveryRef{ProjectID: sc.Project.GetId(), ID: deliveryID})
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.GetCheckId() != checkID) {
		return nil, ErrDeliveryNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.sender.Resend(ctx, d, s.clock.Now().Add(s.timeout(sc.Project, c)))
}
