package event

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
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
}

// NewRedis returns a bus over rdb; channels are named prefix+"events:<project>".
// Run must be running for subscribers to hear anything.
func NewRedis(rdb redis.UniversalClient, prefix string, logger *slog.Logger) *Redis {
	return &Redis{rdb: rdb, prefix: prefix, local: NewLocal(), logger: logger}
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
func (r *Redis) Run(ctx context.Context) {
	for ctx.Err() == nil {
		sub := r.rdb.PSubscribe(ctx, r.prefix+"events:*")
		// A pub/sub read does not watch its context; closing the
		// subscription is what ends it.
		stop := context.AfterFunc(ctx, func() { sub.Close() })
		for {
			msg, err := sub.ReceiveMessage(ctx)
			if err != nil {
				if ctx.Err() == nil {
					r.logger.WarnContext(ctx, "event subscription lost; resubscribing", "error", err)
				}
				break
			}
			var e Event
			if json.Unmarshal([]byte(msg.Payload), &e) == nil {
				r.local.Publish(ctx, e)
			}
		}
		stop()
		sub.Close()
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}
