package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
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

// Defaults of a [WorkerConfig].
const (
	DefaultConcurrency   = 256
	DefaultPerProject    = 16
	DefaultPerReceiver   = 32
	DefaultPoll          = 250 * time.Millisecond
	DefaultRepairEvery   = time.Minute
	projectPage          = 100
	panickedAttemptError = "Signalbox failed while making this attempt; the server log has the details"
)

// WorkerConfig configures a Worker. Zero values take the defaults.
type WorkerConfig struct {
	// Holder names this replica in delivery leases.
	Holder string
	// Concurrency bounds this replica's attempts in flight
	// (DefaultConcurrency).
	Concurrency int
	// PerProject bounds one project's attempts in flight on this replica
	// (DefaultPerProject), so that a project whose receivers never answer
	// holds that many slots at most and every other project's deliveries
	// go on.
	PerProject int
	// PerReceiver bounds the attempts in flight to one receiver, a host and
	// port, on this replica (DefaultPerReceiver), so that a slow receiver
	// that many projects use cannot take every slot either.
	PerReceiver int
	// Poll is how often the queues are read without a nudge (DefaultPoll),
	// which bounds the delay for deliveries another replica queued.
	Poll time.Duration
	// RepairEvery is how often the index of project queues is repaired
	// (DefaultRepairEvery); it is also repaired when the worker starts.
	RepairEvery time.Duration
	// Backoff spaces retries.
	Backoff Backoff
}

// Worker attempts due deliveries, at least once each and, among any number
// of replicas, one attempt at a time per delivery: an attempt is made only
// under the delivery's lease, which outlives the client's total timeout.
//
// It schedules fairly. Every project has a queue of its own, and a scan
// visits the projects whose queues are due, the longest waiting first,
// starting from each as many attempts as its share allows: at most
// PerProject of one project and PerReceiver to one receiver, and
// Concurrency in all. A project at its bound is passed over without reading
// its queue, so its backlog never stands in front of another project's
// deliveries. A delivery whose receiver is at its bound stays due, and
// scans pass it over without a read of it until that receiver has room.
// When an attempt ends, the worker scans again.
//
// The bounds are per replica, not shared: a slot is this process's
// goroutine and connection, so that is what each replica rations, and
// sharing counts through Redis would cost round trips on every attempt and
// leak a count whenever a replica dies. With R replicas a project can have
// up to R·PerProject attempts in flight; R is small and known to the
// operator, and every replica keeps room for the other projects.
//
// A panic in one attempt is recovered: it is logged with its stack, the
// attempt is recorded as failed and retried like a network error, and the
// worker and every other attempt go on.
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
	slots    *slots
	wg       sync.WaitGroup

	repairMu   sync.Mutex
	nextRepair time.Time
}

// NewWorker returns a Worker that wakes on wake.
func NewWorker(cfg WorkerConfig, st store.Store, client *Client, secrets Secrets, clk clock.Clock, logger *slog.Logger, events event.Bus, wake loop.Nudge) *Worker {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.PerProject <= 0 {
		cfg.PerProject = DefaultPerProject
	}
	if cfg.PerReceiver <= 0 {
		cfg.PerReceiver = DefaultPerReceiver
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.RepairEvery <= 0 {
		cfg.RepairEvery = DefaultRepairEvery
	}
	return &Worker{
		cfg: cfg, store: st, client: client, secrets: secrets, clock: clk, logger: logger, events: events, wake: wake,
		leaseTTL: client.TotalTimeout() + 15*time.Second,
		slots:    newSlots(cfg.Concurrency, cfg.PerProject, cfg.PerReceiver),
	}
}

// Run attempts deliveries until ctx ends, then waits for attempts in flight.
func (w *Worker) Run(ctx context.Context) {
	loop.Run(ctx, "deliveries", w.cfg.Poll, w.wake, w.logger, w.RunOnce)
	w.wg.Wait()
}

// RunOnce starts attempts of due deliveries, as the bounds allow, and
// returns without waiting for them.
func (w *Worker) RunOnce(ctx context.Context) error {
	now := w.clock.Now()
	w.repair(ctx, now)
	w.slots.forget(now)
	for offset := 0; w.slots.free() > 0; offset += projectPage {
		pids, err := w.store.Deliveries().DueProjects(ctx, now, offset, projectPage)
		if err != nil {
			return err
		}
		for _, pid := range pids {
			if err := w.serve(ctx, pid, now); err != nil {
				return err
			}
			if w.slots.free() == 0 {
				return nil
			}
		}
		if len(pids) < projectPage {
			return nil
		}
	}
	return nil
}

// serve starts attempts of one project's due deliveries, as many as its
// share leaves room for.
func (w *Worker) serve(ctx context.Context, pid int64, now time.Time) error {
	room, passed := w.slots.room(pid)
	if room == 0 {
		return nil // at its bound here: passed over, and the projects behind it are not held up
	}
	// Attempts just started here may not have claimed their deliveries
	// yet, and deliveries waiting for a receiver stay due: read past them.
	want := room + passed
	refs, err := w.store.Deliveries().Due(ctx, pid, now, want)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if w.slots.waits(ref, now) {
			continue
		}
		busy, full := w.slots.take(ref)
		if full {
			break
		}
		if !busy {
			w.start(ctx, ref)
		}
	}
	if len(refs) < want {
		// Nothing more is due now: the index learns when the queue is.
		return w.store.Deliveries().Reindex(ctx, pid)
	}
	return nil
}

// repair repairs the index of project queues when it is time to.
func (w *Worker) repair(ctx context.Context, now time.Time) {
	w.repairMu.Lock()
	defer w.repairMu.Unlock()
	if now.Before(w.nextRepair) {
		return
	}
	if err := w.store.Deliveries().Repair(ctx); err != nil {
		if ctx.Err() == nil {
			w.logger.WarnContext(ctx, "repair the delivery queues' index; will retry", "error", err)
		}
		return
	}
	w.nextRepair = now.Add(w.cfg.RepairEvery)
}

// start runs one attempt in a goroutine of its own, holding ref's slot.
func (w *Worker) start(ctx context.Context, ref store.DeliveryRef) {
	w.wg.Go(func() {
		defer w.wake.Wake() // a slot is free: work passed over for want of one may start
		defer w.slots.release(ref)
		// The attempt recovers a panic under the delivery's lease itself;
		// Guard covers the rest (taking and giving back the lease).
		logger := w.logger.With("project_id", ref.ProjectID, "delivery_id", ref.ID)
		err := loop.Guard(ctx, logger, func() error { return w.attempt(ctx, ref) })
		if err != nil && ctx.Err() == nil && !errors.Is(err, loop.ErrPanicked) {
			logger.WarnContext(ctx, "delivery attempt", "error", err)
		}
	})
}

// Wait blocks until attempts in flight finish.
func (w *Worker) Wait() { w.wg.Wait() }

// attempt makes one attempt of one delivery under its lease.
func (w *Worker) attempt(ctx context.Context, ref store.DeliveryRef) (err error) {
	lease := leaseName(ref)
	ok, err := w.store.Leases().Acquire(ctx, lease, w.cfg.Holder, w.leaseTTL)
	if err != nil || !ok {
		return err // another replica is attempting it
	}
	defer w.store.Leases().Release(context.WithoutCancel(ctx), lease, w.cfg.Holder)
	defer func() {
		if p := recover(); p != nil {
			err = w.recovered(ctx, ref, p, debug.Stack())
		}
	}()
	return w.attemptHeld(ctx, ref)
}

// attemptHeld is attempt once the lease is held.
func (w *Worker) attemptHeld(ctx context.Context, ref store.DeliveryRef) error {
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
	if next := d.GetNextAttemptTime().AsTime(); next.After(now) {
		return w.store.Deliveries().Postpone(ctx, ref, next)
	}
	target, secret, gone, err := w.target(ctx, d)
	if err != nil {
		return err
	}
	if gone != "" {
		return w.finish(ctx, d, &storagev1.DeliveryAttempt{Time: timestamppb.New(now), Error: gone}, false)
	}
	to := receiver(target)
	if !w.slots.takeHost(to) {
		// Its receiver is at its bound here: it stays due, without an
		// attempt, and scans pass it over until the receiver has room.
		w.slots.wait(ref, to, now)
		return nil
	}
	defer w.slots.releaseHost(to)
	// Claimed for as long as the lease: other replicas no longer list it as
	// due, and if this process dies it is due again once the lease lapses.
	if err := w.store.Deliveries().Postpone(ctx, ref, now.Add(w.leaseTTL)); err != nil {
		return err
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
		return w.retry(ctx, d, a, res.RetryAfter)
	}
	return w.finish(ctx, d, a, false)
}

// retry records a failed attempt and makes the delivery due again after a
// backoff, or finishes it as failed when no attempt fits before its
// deadline.
func (w *Worker) retry(ctx context.Context, d *storagev1.Delivery, a *storagev1.DeliveryAttempt, retryAfter time.Duration) error {
	next, more := w.cfg.Backoff.Next(len(d.GetAttempts())+1, w.clock.Now(), d.GetDeadline().AsTime(), retryAfter)
	if !more {
		return w.finish(ctx, d, a, false)
	}
	d.NextAttemptTime = timestamppb.New(next)
	return w.record(ctx, d, a, true)
}

// recovered handles a panic in an attempt, still under the delivery's
// lease: it logs the panic with its stack and records a failed attempt,
// retried like a network error, so that the delivery is neither lost nor
// tried again in a tight loop. If recording fails or panics too, the
// delivery waits a lease's length before it is tried again.
func (w *Worker) recovered(ctx context.Context, ref store.DeliveryRef, p any, stack []byte) (err error) {
	w.logger.ErrorContext(ctx, "delivery attempt panicked; recovered", "project_id", ref.ProjectID, "delivery_id", ref.ID,
		"panic", fmt.Sprint(p), "stack", string(stack))
	now := w.clock.Now()
	defer func() {
		if p := recover(); p != nil {
			w.logger.ErrorContext(ctx, "recording a panicked delivery attempt panicked", "project_id", ref.ProjectID,
				"delivery_id", ref.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = errors.New("recording a panicked delivery attempt panicked")
		}
		if err != nil {
			err = errors.Join(err, w.store.Deliveries().Postpone(context.WithoutCancel(ctx), ref, now.Add(w.leaseTTL)))
		}
	}()
	d, err := w.store.Deliveries().Get(ctx, ref)
	if err != nil {
		return err
	}
	if d.GetState() != int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING) {
		return w.store.Deliveries().Save(ctx, d, false)
	}
	return w.retry(ctx, d, &storagev1.DeliveryAttempt{Time: timestamppb.New(now), Error: panickedAttemptError}, 0)
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
