package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
)

// expiryResult is how late pending responses were reported failed.
type expiryResult struct {
	Timeout time.Duration
	// Lateness is, per pending response, the time a watching client
	// received the failed state minus the deadline (creation + timeout).
	Lateness summary
}

// snapshot is one message of a WatchMergeRequest stream, reduced to the
// status of the one check and the time the client had it.
type snapshot struct {
	status signalboxv1.StatusCheckStatus
	at     time.Time
	err    error
}

// measureExpiry opens mrs merge requests watched over the Connect protocol
// (WatchMergeRequest, a server stream), then, rounds times per merge
// request, records an explicit pending response through the Connect API
// and waits on the stream for the check to turn failed. The deadline is
// the response's create_time as the server returns it plus the check's
// timeout_seconds; the failure time is when the stream delivered the
// failed state, which is how a client learns of it without polling, so
// neither a poll interval nor the client's request latency enters.
//
// The check is created after the merge requests are opened, so nothing
// else is pending on them and no other expiry can wake the stream.
func measureExpiry(ctx context.Context, e *env, client *signalbox.Client, mrs, rounds, timeoutSeconds int) (expiryResult, error) {
	p, w, err := e.project(ctx, "expiry")
	if err != nil {
		return expiryResult{}, err
	}
	if _, err := w.commitFile(ctx, "main", "", "README", "expiry\n"); err != nil {
		return expiryResult{}, err
	}
	branches := []string{"main"}
	for i := range mrs {
		b := fmt.Sprintf("wait-%d", i)
		if _, err := w.commitFile(ctx, b, "main", b+".txt", b+"\n"); err != nil {
			return expiryResult{}, err
		}
		branches = append(branches, b)
	}
	if err := w.pushBranches(ctx, branches...); err != nil {
		return expiryResult{}, err
	}
	var targets []mergeRequestEntity
	for _, b := range branches[1:] {
		mr, err := e.rest.createMergeRequest(ctx, p.ID, b, "main", "Expire "+b)
		if err != nil {
			return expiryResult{}, err
		}
		targets = append(targets, mr)
	}
	// Its receiver never answers: no delivery is ever made to it, since
	// only new heads are delivered and the pending responses come from the
	// API.
	checkID, err := e.rest.createCheck(ctx, p.ID, "never-answers", "http://127.0.0.1:9/never", "s3cret", timeoutSeconds)
	if err != nil {
		return expiryResult{}, err
	}
	timeout := time.Duration(timeoutSeconds) * time.Second

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		lateness []time.Duration
		errs     []error
		wg       sync.WaitGroup
	)
	for _, mr := range targets {
		wg.Go(func() {
			late, err := watchExpiries(ctx, client, p.PathWithNamespace, mr, checkID, rounds, timeout)
			mu.Lock()
			defer mu.Unlock()
			lateness = append(lateness, late...)
			if err != nil {
				errs = append(errs, err)
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return expiryResult{}, err
	}
	return expiryResult{Timeout: timeout, Lateness: summarize(lateness)}, nil
}

// watchExpiries runs the rounds of one merge request.
func watchExpiries(ctx context.Context, client *signalbox.Client, project string, mr mergeRequestEntity, checkID int64, rounds int, timeout time.Duration) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := client.MergeRequests.WatchMergeRequest(ctx, &signalboxv1.WatchMergeRequestRequest{Project: project, MergeRequestIid: mr.IID})
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	snapshots := make(chan snapshot, 64)
	go func() {
		for {
			res, err := stream.Receive()
			s := snapshot{at: time.Now(), err: err}
			if err == nil {
				s.status = statusOf(res, checkID)
			}
			select {
			case snapshots <- s:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	next := func() (snapshot, error) {
		select {
		case s := <-snapshots:
			return s, s.err
		case <-time.After(timeout + 30*time.Second):
			return snapshot{}, fmt.Errorf("merge request !%d: no news on the watch stream", mr.IID)
		case <-ctx.Done():
			return snapshot{}, ctx.Err()
		}
	}
	// The first message is the state now: the check has no answer, which
	// reads as pending.
	if _, err := next(); err != nil {
		return nil, err
	}
	var out []time.Duration
	sha := mr.SHA
	for range rounds {
		// A random pause spreads deadlines over the server's sweep period,
		// as independent clients would.
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(250 * time.Millisecond)))):
		case <-ctx.Done():
			return out, ctx.Err()
		}
		res, err := client.StatusChecks.SetStatusCheckResponse(ctx, &signalboxv1.SetStatusCheckResponseRequest{
			Project: project, MergeRequestIid: mr.IID, ExternalStatusCheckId: checkID, Sha: &sha,
			Status: signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING,
		})
		if err != nil {
			return out, err
		}
		deadline := res.GetResponse().GetCreateTime().AsTime().Add(timeout)
		// Wait for failed; a snapshot sent before this response was made
		// cannot show failed, since the previous round ended on failed and
		// the stream only sends changes.
		for {
			s, err := next()
			if err != nil {
				return out, err
			}
			if s.status == signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED {
				out = append(out, s.at.Sub(deadline))
				break
			}
		}
	}
	return out, nil
}

func statusOf(res *signalboxv1.WatchMergeRequestResponse, checkID int64) signalboxv1.StatusCheckStatus {
	for _, c := range res.GetStatusChecks() {
		if c.GetId() == checkID {
			return c.GetStatus()
		}
	}
	return signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_UNSPECIFIED
}
