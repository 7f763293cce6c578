package api

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/mergetrain"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// watchRefresh re-sends the state now and then even without events, so a
// watcher recovers from a missed event (events are hints, not a log).
const watchRefresh = 30 * time.Second

// DefaultWatchRecheck is how often an open watch stream checks its caller's
// token and access when nothing else happens.
const DefaultWatchRecheck = 5 * time.Second

// WatchLimits bound WatchMergeRequest streams.
type WatchLimits struct {
	// MaxPerUser is how many streams one user may hold open at once on this
	// replica; zero means no bound.
	MaxPerUser int
	// Recheck is how often an open stream checks its caller's credentials
	// and access even when nothing changed; DefaultWatchRecheck when zero.
	Recheck time.Duration
}

// Errors of watch streams, in the error table.
var (
	// errAccessLost ends a stream whose caller may no longer read the merge
	// request: removed from a private project, or demoted below reading.
	errAccessLost = errors.New("access to the merge request was lost")
	// errTooManyWatches refuses a stream beyond WatchLimits.MaxPerUser.
	errTooManyWatches = errors.New("too many open watch streams")
)

// watchers counts the open streams of each user.
type watchers struct {
	max  int
	mu   sync.Mutex
	open map[int64]int
}

func newWatchers(maxPerUser int) *watchers {
	return &watchers{max: maxPerUser, open: map[int64]int{}}
}

// acquire counts one more stream for the user, or refuses it beyond the
// bound; release gives the place back.
func (w *watchers) acquire(userID int64) (release func(), err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.max > 0 && w.open[userID] >= w.max {
		return nil, errTooManyWatches
	}
	w.open[userID]++
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.open[userID]--; w.open[userID] <= 0 {
				delete(w.open, userID)
			}
		})
	}, nil
}

// WatchMergeRequest streams snapshots of a merge request. Before every
// snapshot, and every WatchLimits.Recheck in between, it authenticates the
// caller's token again and re-reads their access, so a stream never outlives
// the credentials or the membership it was opened with.
func (h mergeRequestHandler) WatchMergeRequest(ctx context.Context, req *signalboxv1.WatchMergeRequestRequest, stream signalboxv1connect.MergeRequestServiceWatchMergeRequestServerStream) error {
	wants := func(e event.Event) bool {
		return e.MergeRequestIID == 0 || e.MergeRequestIID == req.GetMergeRequestIid() || e.Kind == event.PipelineChanged
	}
	snapshot := func(sc *project.Scope) (*signalboxv1.WatchMergeRequestResponse, error) {
		return h.snapshot(ctx, sc, req.GetMergeRequestIid())
	}
	return follow(ctx, h.handlers, req.GetProject(), wants, snapshot, stream.Send)
}

// follow runs a watch stream on the project ref: it counts the stream
// against the caller's bound, sends a snapshot at once, then again after
// each of the project's events that wants accepts and every watchRefresh
// (events are hints and may be lost), but only when it changed; and every
// WatchLimits.Recheck it authenticates the caller again and re-reads their
// access. snapshot gets the caller's scope as it is now. Losing access ends
// the stream with PermissionDenied, a revoked token with Unauthenticated.
func follow[T proto.Message](ctx context.Context, h handlers, ref string, wants func(event.Event) bool, snapshot func(*project.Scope) (T, error), send func(T) error) error {
	sc := scopeFrom(ctx)
	if sc.Caller == nil {
		// Watching takes a token (see allowsAnonymous): streams are counted
		// per user, and re-authenticated while they run.
		return toConnect(ctx, h.logger, auth.ErrUnauthenticated)
	}
	release, err := h.watchers.acquire(sc.Caller.UserID)
	if err != nil {
		return toConnect(ctx, h.logger, err)
	}
	defer release()
	events, cancel := h.deps.Events.Subscribe(sc.Project.GetId())
	defer cancel()

	// access authenticates again and re-reads the project with the caller's
	// current role. When the stream opens, the interceptors have just done
	// the same, and the answers of a first call apply (a merge request the
	// caller cannot read is not found); later, losing access ends the stream.
	access := func(opened bool) (*project.Scope, error) {
		caller, err := reauthenticate(ctx)
		if err != nil {
			return nil, err
		}
		fresh, err := h.deps.Projects.Scope(ctx, caller, ref)
		switch {
		case opened && (errors.Is(err, project.ErrNotFound) || err == nil && !fresh.CanReadMergeRequests()):
			return nil, errAccessLost
		case err != nil:
			return nil, err
		}
		return fresh, nil
	}
	var last T
	sent := false
	step := func(opened bool) error {
		fresh, err := access(opened)
		if err != nil {
			return toConnect(ctx, h.logger, err)
		}
		snap, err := snapshot(fresh)
		if err != nil {
			return toConnect(ctx, h.logger, err)
		}
		if sent && proto.Equal(last, snap) {
			return nil
		}
		last, sent = snap, true
		return send(snap)
	}
	if err := step(false); err != nil {
		return err
	}
	refresh := time.NewTicker(watchRefresh)
	defer refresh.Stop()
	recheck := time.NewTicker(h.watchLimits.recheck())
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-events:
			if !wants(e) {
				continue
			}
		case <-refresh.C:
		case <-recheck.C:
			if _, err := access(true); err != nil {
				return toConnect(ctx, h.logger, err)
			}
			continue
		}
		if err := step(true); err != nil {
			if connect.CodeOf(err) == connect.CodeCanceled {
				return nil
			}
			return err
		}
	}
}

func (l WatchLimits) recheck() time.Duration {
	if l.Recheck > 0 {
		return l.Recheck
	}
	return DefaultWatchRecheck
}

// snapshot is the merge request as the caller with scope sc sees it now:
// its status checks and deliveries where the caller may see them, and its
// car.
func (h mergeRequestHandler) snapshot(ctx context.Context, sc *project.Scope, iid int64) (*signalboxv1.WatchMergeRequestResponse, error) {
	v, err := h.deps.MergeRequests.Get(ctx, sc, iid)
	if err != nil {
		return nil, err
	}
	out := &signalboxv1.WatchMergeRequestResponse{MergeRequest: h.mergeRequestFor(ctx, sc, v)}
	checks, err := h.deps.StatusChecks.ForMergeRequest(ctx, sc, iid)
	// A reader who may not see the checks still sees the merge request.
	if err != nil && !errors.Is(err, auth.ErrForbidden) {
		return nil, err
	}
	for _, c := range checks {
		out.StatusChecks = append(out.StatusChecks, toMergeRequestStatusCheck(sc, c))
	}
	if out.Deliveries, err = h.deliveries(ctx, sc, iid, checks); err != nil {
		return nil, err
	}
	car, err := h.deps.MergeTrains.Get(ctx, sc, iid)
	switch {
	case err == nil:
		out.Car = h.urls.toCar(sc.Project, car)
	case !errors.Is(err, mergetrain.ErrCarNotFound) && !errors.Is(err, auth.ErrForbidden):
		return nil, err
	}
	return out, nil
}

// deliveries are the deliveries of a merge request's checks, newest first,
// when the caller may read delivery logs (maintainers); none otherwise.
func (h mergeRequestHandler) deliveries(ctx context.Context, sc *project.Scope, iid int64, checks []statuscheck.CheckStatus) ([]*signalboxv1.Delivery, error) {
	var out []*signalboxv1.Delivery
	for _, c := range checks {
		all, err := h.deps.StatusChecks.Deliveries(ctx, sc, c.Check.Record.GetId())
		if errors.Is(err, auth.ErrForbidden) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, d := range all {
			if d.GetMergeRequestIid() == iid {
				out = append(out, toDelivery(d))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetId() > out[j].GetId() })
	return out, nil
}
