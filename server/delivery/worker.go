package delivery

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/store"
)

// Secrets opens the secrets deliveries are signed with.
type Secrets interface {
	// Secret is a status check's shared secret.
	Secret(c *storagev1.StatusCheck) (string, error)
	// HookToken is a project hook's token.
	HookToken(h *storagev1.ProjectHook) (string, error)
}

// WorkerConfig configures a Worker. Zero values take the defaults.
type WorkerConfig struct {
	// Holder names this replica in delivery leases.
	Holder string
	// Concurrency bounds attempts in flight (default 64), so one slow
	// receiver never holds up the others.
	Concurrency int
	// Poll is how often the queue is read without a nudge (default 250ms),
	// which bounds the delay for deliveries another replica queued.
	Poll time.Duration
	// Batch is how many due deliveries one read takes (default 100).
	Batch int
	// Backoff spaces retries.
	Backoff Backoff
}

// Worker attempts due deliveries, at least once each and, among any number
// of replicas, one attempt at a time per delivery: an attempt is made only
// under the delivery's lease, which outlives the client's total timeout.
type Worker struct {
	cfg      WorkerConfig
	store    store.Store
	client   *Client
	secrets  Secrets
	clock    clock.Clock
	logger   *slog.Logger
	events   event.Bus
	wake     loop.Nudge
	leaseTTL time.Duration

	sem      chan struct{}
	mu       sync.Mutex
	inflight map[store.DeliveryRef]bool
	wg       sync.WaitGroup
}

// NewWorker returns a Worker that wakes on wake.
func NewWorker(cfg WorkerConfig, st store.Store, client *Client, secrets Secrets, clk clock.Clock, logger *slog.Logger, events event.Bus, wake loop.Nudge) *Worker {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	return &Worker{
		cfg: cfg, store: st, client: client, secrets: secrets, clock: clk, logger: logger, events: events, wake: wake,
		leaseTTL: client.TotalTimeout() + 15*time.Second,
		sem:      make(chan struct{}, cfg.Concurrency),
		inflight: map[store.DeliveryRef]bool{},
	}
}

// Run attempts deliveries until ctx ends, then waits for attempts in flight.
func (w *Worker) Run(ctx context.Context) {
	loop.Run(ctx, "deliveries", w.cfg.Poll, w.wake, w.logger, w.RunOnce)
	w.wg.Wait()
}

// RunOnce starts an attempt for every due delivery not already in flight
// here, and returns without waiting for them.
func (w *Worker) RunOnce(ctx context.Context) error {
	due, err := w.store.Deliveries().Due(ctx, w.clock.Now(), w.cfg.Batch)
	if err != nil {
		return err
	}
	for _, ref := range due {
		w.mu.Lock()
		busy := w.inflight[ref]
		if !busy {
			w.inflight[ref] = true
		}
		w.mu.Unlock()
		if busy {
			continue
		}
		select {
		case w.sem <- struct{}{}:
		case <-ctx.Done():
			w.done(ref)
			return nil
		}
		w.wg.Go(func() {
			defer func() { <-w.sem }()
			defer w.done(ref)
			if err := w.attempt(ctx, ref); err != nil && ctx.Err() == nil {
				w.logger.WarnContext(ctx, "delivery attempt", "project_id", ref.ProjectID, "delivery_id", ref.ID, "error", err)
			}
		})
	}
	return nil
}

func (w *Worker) done(ref store.DeliveryRef) {
	w.mu.Lock()
	delete(w.inflight, ref)
	w.mu.Unlock()
}

// Wait blocks until attempts in flight finish.
func (w *Worker) Wait() { w.wg.Wait() }

// attempt makes one attempt of one delivery under its lease.
func (w *Worker) attempt(ctx context.Context, ref store.DeliveryRef) error {
	lease := "delivery:" + strconv.FormatInt(ref.ProjectID, 10) + ":" + strconv.FormatInt(ref.ID, 10)
	ok, err := w.store.Leases().Acquire(ctx, lease, w.cfg.Holder, w.leaseTTL)
	if err != nil || !ok {
		return err // another replica is attempting it
	}
	defer w.store.Leases().Release(context.WithoutCancel(ctx), lease, w.cfg.Holder)

	d, err := w.store.Deliveries().Get(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return w.store.Deliveries().Save(ctx, &storagev1.Delivery{ProjectId: ref.ProjectID, Id: ref.ID}, false)
	}
	if err != nil {
		return err
	}
	// Re-check after taking the lease: another replica may have finished it
	// or moved it later since the queue was read.
	now := w.clock.Now()
	if d.GetState() != int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING) {
		return w.store.Deliveries().Save(ctx, d, false)
	}
	if d.GetNextAttemptTime().AsTime().After(now) {
		return nil
	}
	target, secret, gone, err := w.target(ctx, d)
	if err != nil {
		return err
	}
	if gone != "" {
		return w.finish(ctx, d, &storagev1.DeliveryAttempt{Time: timestamppb.New(now), Error: gone}, false)
	}
	header := Sign([]byte(secret), d.GetWebhookId(), now, d.GetPayload())
	if d.GetHookId() != 0 {
		// Project hooks also carry GitLab's plain token and event name.
		header.Set("X-Gitlab-Event", d.GetGitlabEvent())
		if secret != "" {
			header.Set("X-Gitlab-Token", secret)
		}
	}
	res := w.client.Attempt(ctx, target, header, d.GetPayload())
	a := &storagev1.DeliveryAttempt{
		Time:       timestamppb.New(res.Start),
		HttpStatus: int32(res.StatusCode),
		DurationMs: res.Duration.Milliseconds(),
		Error:      res.Error,
	}
	switch res.Outcome {
	case OutcomeSuccess:
		return w.finish(ctx, d, a, true)
	case OutcomeRetryable:
		next, more := w.cfg.Backoff.Next(len(d.GetAttempts())+1, w.clock.Now(), d.GetDeadline().AsTime(), res.RetryAfter)
		if more {
			d.NextAttemptTime = timestamppb.New(next)
			return w.record(ctx, d, a, true)
		}
	}
	return w.finish(ctx, d, a, false)
}

// target is where a delivery goes and the secret it is signed with, read
// now so that a fixed URL or secret applies to pending deliveries. gone
// explains why it can go nowhere.
func (w *Worker) target(ctx context.Context, d *storagev1.Delivery) (url, secret, gone string, err error) {
	if d.GetHookId() != 0 {
		h, err := w.store.Hooks().Get(ctx, d.GetProjectId(), d.GetHookId())
		if errors.Is(err, store.ErrNotFound) {
			return "", "", "the project hook was deleted", nil
		}
		if err != nil {
			return "", "", "", err
		}
		token, err := w.secrets.HookToken(h)
		if err != nil {
			return "", "", "the hook token cannot be opened with this server's key", nil
		}
		return h.GetUrl(), token, "", nil
	}
	c, err := w.store.Checks().Get(ctx, d.GetProjectId(), d.GetCheckId())
	if errors.Is(err, store.ErrNotFound) {
		return "", "", "the status check was deleted", nil
	}
	if err != nil {
		return "", "", "", err
	}
	s, err := w.secrets.Secret(c)
	if err != nil {
		return "", "", "the shared secret cannot be opened with this server's key", nil
	}
	return c.GetExternalUrl(), s, "", nil
}

// finish records the last attempt and takes the delivery off the queue.
func (w *Worker) finish(ctx context.Context, d *storagev1.Delivery, a *storagev1.DeliveryAttempt, ok bool) error {
	d.State = int32(signalboxv1.DeliveryState_DELIVERY_STATE_FAILED)
	if ok {
		d.State = int32(signalboxv1.DeliveryState_DELIVERY_STATE_SUCCEEDED)
	}
	return w.record(ctx, d, a, false)
}

// record appends an attempt, stores the delivery, and tells watchers.
func (w *Worker) record(ctx context.Context, d *storagev1.Delivery, a *storagev1.DeliveryAttempt, pending bool) error {
	a.Number = int32(len(d.GetAttempts()) + 1)
	d.Attempts = append(d.Attempts, a)
	// Save must land even if the server is shutting down: the attempt was made.
	if err := w.store.Deliveries().Save(context.WithoutCancel(ctx), d, pending); err != nil {
		return err
	}
	w.logger.InfoContext(ctx, "delivery attempt", "project_id", d.GetProjectId(), "check_id", d.GetCheckId(),
		"delivery_id", d.GetId(), "attempt", a.GetNumber(), "http_status", a.GetHttpStatus(),
		"duration_ms", a.GetDurationMs(), "error", a.GetError(), "state", signalboxv1.DeliveryState(d.GetState()).String())
	w.events.Publish(ctx, event.Event{Kind: event.DeliveryAttempted, ProjectID: d.GetProjectId(), MergeRequestIID: d.GetMergeRequestIid()})
	if pending {
		w.wake.Wake()
	}
	return nil
}
