package event

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/loop"
)

// Redis is a Bus across replicas that share a real Redis: events go out with
// PUBLISH and come back, to every replica including this one, through one
// pattern subscription that fans them out locally. (The embedded store has
// no pub/sub; it is single-replica and uses Local alone.)
//
// Publish does not wait for Redis: it queues the event for one sender
// goroutine, which sends everything queued in one pipelined round trip. A
// writer's durable state (its record, the project's news counter, the dirty
// set) is in its transaction before it publishes; the event only nudges
// watchers to re-read, so it need not delay the writer's answer.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	local  *Local
	logger *slog.Logger
	// fanOut hands a received event to this replica's subscribers.
	fanOut func(context.Context, Event)

	// out is the queue to the sender. Publish holds mu shared while it
	// enqueues and Close holds it exclusively to close out, so nothing is
	// sent on a closed channel.
	mu     sync.RWMutex
	closed bool
	out    chan outgoing
	// abandon cancels the sender's round trips when Close runs out of time.
	abandon    context.CancelFunc
	senderDone chan struct{}
	closeOnce  sync.Once
	warnClosed sync.Once
}

// outgoing is an event ready to send, encoded by its publisher.
type outgoing struct {
	channel   string
	payload   []byte
	projectID int64
}

const (
	// queueSize bounds the events waiting for the sender; a publisher
	// beyond it waits (backpressure) rather than losing its event.
	queueSize = 1024
	// maxBatch bounds one round trip's PUBLISHes.
	maxBatch = 256
)

// NewRedis returns a bus over rdb; channels are named prefix+"events:<project>".
// Run must be running for subscribers to hear anything. It starts the
// sender; Close stops it.
func NewRedis(rdb redis.UniversalClient, prefix string, logger *slog.Logger) *Redis {
	ctx, abandon := context.WithCancel(context.Background())
	r := &Redis{
		rdb: rdb, prefix: prefix, local: NewLocal(), logger: logger,
		out: make(chan outgoing, queueSize), abandon: abandon, senderDone: make(chan struct{}),
	}
	r.fanOut = r.local.Publish
	go r.send(ctx)
	return r
}

// Publish queues e for every replica and returns; events of one replica go
// out in the order they were published. When the queue is full it waits
// for room, unless ctx ends first. After Close the event is dropped, with
// a warning.
func (r *Redis) Publish(ctx context.Context, e Event) {
	b, _ := json.Marshal(e)
	o := outgoing{channel: r.prefix + "events:" + strconv.FormatInt(e.ProjectID, 10), payload: b, projectID: e.ProjectID}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.warnClosed.Do(func() {
			r.logger.WarnContext(ctx, "event published after the bus closed; dropped", "project_id", e.ProjectID)
		})
		return
	}
	select {
	case r.out <- o:
		return
	default:
	}
	select {
	case r.out <- o:
	case <-ctx.Done():
		r.logger.WarnContext(ctx, "event queue full and the publisher gone; event dropped",
			"project_id", e.ProjectID, "error", ctx.Err())
	}
}

// Close sends what is queued and stops the sender. If ctx ends first, the
// events still queued are dropped (and counted in a warning). Publish after
// Close drops its event. Close waits for the sender to return either way.
func (r *Redis) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		// Publishers waiting for room hold mu shared; the sender keeps
		// making room, so this takes it soon, but not before them.
		go func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.closed = true
			close(r.out)
		}()
	})
	select {
	case <-r.senderDone:
		return nil
	case <-ctx.Done():
	}
	r.abandon()
	<-r.senderDone
	return fmt.Errorf("flush events: %w", ctx.Err())
}

// send is the sender: it sends what is queued, a batch per round trip,
// until Close closes the queue.
func (r *Redis) send(ctx context.Context) {
	defer close(r.senderDone)
	batch := make([]outgoing, 0, maxBatch)
	dropped := 0
	for o := range r.out {
		batch = append(batch[:0], o)
	more:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-r.out:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		if ctx.Err() != nil {
			dropped += len(batch)
			continue
		}
		r.flush(ctx, batch)
	}
	if dropped > 0 {
		r.logger.Warn("events dropped: the bus closed before they were sent", "events", dropped)
	}
}

// flush sends one batch in one round trip.
func (r *Redis) flush(ctx context.Context, batch []outgoing) {
	if len(batch) == 1 {
		// Alone, as a lone writer's event usually is: a pipeline would
		// only cost allocations.
		if err := r.rdb.Publish(ctx, batch[0].channel, batch[0].payload).Err(); err != nil {
			r.logger.WarnContext(ctx, "publish events", "error", err, "events", 1, "project_ids", []int64{batch[0].projectID})
		}
		return
	}
	cmds, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, o := range batch {
			p.Publish(ctx, o.channel, o.payload)
		}
		return nil
	})
	if err == nil {
		return
	}
	var failed []int64
	for i, c := range cmds {
		if c.Err() != nil && i < len(batch) && len(failed) < 10 && !slices.Contains(failed, batch[i].projectID) {
			failed = append(failed, batch[i].projectID)
		}
	}
	r.logger.WarnContext(ctx, "publish events", "error", err, "events", len(batch), "project_ids", failed)
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
