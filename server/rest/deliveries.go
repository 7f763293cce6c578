package rest

import (
	"net/http"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// delivery is a Signalbox extension: one event sent to a check, with every
// attempt.
type delivery struct {
	ID              int64             `json:"id"`
	Event           string            `json:"event"`
	SHA             string            `json:"sha"`
	MergeRequestIID int64             `json:"merge_request_iid"`
	State           string            `json:"state"`
	WebhookID       string            `json:"webhook_id"`
	CreatedAt       gitlabTime        `json:"created_at"`
	Attempts        []deliveryAttempt `json:"attempts"`
}

type deliveryAttempt struct {
	Attempt    int32      `json:"attempt"`
	Time       gitlabTime `json:"time"`
	HTTPStatus *int32     `json:"http_status"`
	DurationMS int64      `json:"duration_ms"`
	Error      *string    `json:"error"`
}

func newDelivery(d *signalboxv1.Delivery) delivery {
	out := delivery{
		ID: d.GetId(), Event: d.GetEvent(), SHA: d.GetSha(), MergeRequestIID: d.GetMergeRequestIid(),
		State: enumName(d.GetState().String(), "DELIVERY_STATE_"), WebhookID: d.GetWebhookId(),
		CreatedAt: ts(d.GetCreateTime()), Attempts: []deliveryAttempt{},
	}
	for _, a := range d.GetAttempts() {
		att := deliveryAttempt{Attempt: a.GetNumber(), Time: ts(a.GetTime()), DurationMS: a.GetDurationMs()}
		if s := a.GetHttpStatus(); s != 0 {
			att.HTTPStatus = &s
		}
		if e := a.GetError(); e != "" {
			att.Error = &e
		}
		out.Attempts = append(out.Attempts, att)
	}
	return out
}

func (h *Handler) listDeliveries(c *call) error {
	checkID, err := pathInt64(c.r, "check_id")
	if err != nil {
		return err
	}
	res, err := h.api.statusChecks.ListDeliveries(c.ctx(), &signalboxv1.ListDeliveriesRequest{Project: c.r.PathValue("id"), CheckId: checkID})
	if err != nil {
		return err
	}
	out := make([]delivery, 0, len(res.GetDeliveries()))
	for _, d := range res.GetDeliveries() {
		out = append(out, newDelivery(d))
	}
	return c.ok(http.StatusOK, out)
}

func (h *Handler) redeliver(c *call) error {
	checkID, err := pathInt64(c.r, "check_id")
	if err != nil {
		return err
	}
	deliveryID, err := pathInt64(c.r, "delivery_id")
	if err != nil {
		return err
	}
	res, err := h.api.statusChecks.Redeliver(c.ctx(), &signalboxv1.RedeliverRequest{
		Project: c.r.PathValue("id"), CheckId: checkID, DeliveryId: deliveryID,
	})
	if err != nil {
		return err
	}
	return c.ok(http.StatusCreated, newDelivery(res.GetDelivery()))
}
