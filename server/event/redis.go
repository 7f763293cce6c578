package event

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/loop"
)

// Redis is a Bus across replicas that share a real Redis: events go out with
// PUBLISH and come back, to every replica including this one, through one
// pattern subscription that fans them out locally. (The embedded store has
// no pub/sub; it is single-replica and uses Local alone.)
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	local  *Local
	logger *slog.Logger
	// fanOut hands a received event to this replica's subscribers.
	fanOut func(context.Context, Event)
}

// NewRedis returns a bus over rdb; channels are named prefix+"events:<project>".
// Run must be running for subscribers to hear anything.
func NewRedis(rdb redis.UniversalClient, prefix string, logger *slog.Logger) *Redis {
	r := &Redis{rdb: rdb, prefix: prefix, local: NewLocal(), logger: logger}
	r.fanOut = r.local.Publish
	return r
}

// Publish sends e to every replica.
func (r *Redis) Publish(ctx context.Context, e Event) {
	b, _ := json.Marshal(e)
	if err := r.rdb.Publish(ctx, r.prefix+"events:"+strconv.FormatInt(e.ProjectID, 10), b).Err(); err != nil {
		r.logger.WarnContext(ctx, "publish event", "error", err, "project_id", e.ProjectID)
	}
}

// Subscribe returns this replica's share of one project's events.
func (r *Redis) Subscribe(projectID int64) (<-chan Event, func()) {
	return r.local.Subscribe(projectID)
}

// SubscribeAll returns this replica's share of every project's events.
func (r *Redis) SubscribeAll() (<-chan Event, func()) { return r.local.SubscribeAll() }

// Run receives events until ctx ends, resubscribing after connection loss.
// Each event is fanned out under loop.Guard, and so is each subscription,
// so a panic while handling one event loses that event only.
func (r *Redis) Run(ctx context.Context) {
	for ctx.Err() == nil {
		_ = loop.Guard(ctx, r.logger, func() error {
			r.listen(ctx)
			return nil
		})
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// listen fans out the events of one subscription until it is lost.
func (r *Redis) listen(ctx context.Context) {
	sub := r.rdb.PSubscribe(ctx, r.prefix+"events:*")
	defer sub.Close()
	// A pub/sub read does not watch its context; closing the subscription
	// is what ends it.
	stop := context.AfterFunc(ctx, func() { sub.Close() })
	defer stop()
	for {
		msg, err := sub.ReceiveMessage(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.logger.WarnContext(ctx, "event subscription lost; resubscribing", "error", err)
			}
			return
		}
		var e Event
		if json.Unmarshal([]byte(msg.Payload), &e) != nil {
			continue
		}
		_ = loop.Guard(ctx, r.logger.With("event_kind", e.Kind, "project_id", e.ProjectID), func() error {
			r.fanOut(ctx, e)
			return nil
		})
	}
}
