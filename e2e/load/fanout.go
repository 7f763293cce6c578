package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// collector gathers the receivers' arrivals by head sha, keeping the first
// arrival per check (deliveries are at least once, so a repeat may come).
type collector struct {
	mu      sync.Mutex
	seen    map[string]map[int64]time.Time
	waiters map[string]waiter
}

type waiter struct {
	n    int
	done chan struct{}
}

func newCollector() *collector {
	return &collector{seen: map[string]map[int64]time.Time{}, waiters: map[string]waiter{}}
}

// add records an arrival; it is the receivers' callback.
func (c *collector) add(a arrival) {
	c.mu.Lock()
	defer c.mu.Unlock()
	bySHA := c.seen[a.SHA]
	if bySHA == nil {
		bySHA = map[int64]time.Time{}
		c.seen[a.SHA] = bySHA
	}
	if _, dup := bySHA[a.CheckID]; dup {
		return
	}
	bySHA[a.CheckID] = a.At
	if w, ok := c.waiters[a.SHA]; ok && len(bySHA) == w.n {
		close(w.done)
		delete(c.waiters, a.SHA)
	}
}

// expect returns a channel closed once n checks have received sha.
func (c *collector) expect(sha string, n int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	done := make(chan struct{})
	if len(c.seen[sha]) >= n {
		close(done)
		return done
	}
	c.waiters[sha] = waiter{n: n, done: done}
	return done
}

// arrivals are the first arrival times of sha, one per check.
func (c *collector) arrivals(sha string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Time, 0, len(c.seen[sha]))
	for _, t := range c.seen[sha] {
		out = append(out, t)
	}
	return out
}

// fanoutResult is delivery latency to n checks after one trigger.
type fanoutResult struct {
	Checks  int
	Trigger string
	Rounds  int
	// PerCheck is, for every check of every round, the time from the
	// trigger's start to that check's receiver having the whole payload.
	PerCheck summary
	// Last is, per round, the time until the last check had it.
	Last summary
	// TriggerTime is how long the trigger itself took (git push, or the
	// POST that opens the merge request).
	TriggerTime summary
	// FromRef is, for pushes, the time from the branch's ref update in the
	// server's repository (the ref file's modification time) to each
	// check's receiver having the payload: the server's share of PerCheck,
	// without the git client and receive-pack before it. The kernel stamps
	// files from a coarse clock, so it reads up to a tick (a few ms) high.
	FromRef summary
}

// fanoutSetup is a project whose every check has its own receiver.
type fanoutSetup struct {
	project projectEntity
	// featureRef is the loose ref file of the merge request's source
	// branch in the server's repository.
	featureRef string
	wt         *worktree
	head       string
	receivers  []*receiver
	collector  *collector
}

// setupFanout makes a project with n checks, each answered by its own
// receiver with its own secret, and one merge request on branch "feature".
func setupFanout(ctx context.Context, e *env, n int) (_ *fanoutSetup, err error) {
	p, w, err := e.project(ctx, fmt.Sprintf("fanout%d", n))
	if err != nil {
		return nil, err
	}
	s := &fanoutSetup{project: p, wt: w, collector: newCollector(),
		featureRef: filepath.Join(e.dataDir, "repositories", strconv.FormatInt(p.ID, 10)+".git", "refs", "heads", "feature")}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	for i := range n {
		secret := fmt.Sprintf("fanout-secret-%d-%d", n, i)
		r, err := newReceiver(secret, s.collector.add)
		if err != nil {
			return nil, err
		}
		s.receivers = append(s.receivers, r)
		if _, err := e.rest.createCheck(ctx, p.ID, fmt.Sprintf("check-%d", i), r.URL, secret, 0); err != nil {
			return nil, err
		}
	}
	if _, err := w.commitFile(ctx, "main", "", "README", "fanout\n"); err != nil {
		return nil, err
	}
	if s.head, err = w.commitFile(ctx, "feature", "main", "feature.txt", "v1\n"); err != nil {
		return nil, err
	}
	if err := w.pushBranches(ctx, "main", "feature"); err != nil {
		return nil, err
	}
	done := s.collector.expect(s.head, n)
	if _, err := e.rest.createMergeRequest(ctx, p.ID, "feature", "main", "Fan-out"); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, done, 30*time.Second); err != nil {
		return nil, fmt.Errorf("fan-out to %d checks after opening the merge request: %w", n, err)
	}
	return s, nil
}

// Bad is how many payloads the receivers refused.
func (s *fanoutSetup) Bad() int64 {
	var n int64
	for _, r := range s.receivers {
		n += r.Bad()
	}
	return n
}

// Close stops the receivers.
func (s *fanoutSetup) Close() {
	for _, r := range s.receivers {
		r.Close()
	}
}

// measurePushFanout times rounds pushes to the merge request's source
// branch: each new head goes to every check.
func measurePushFanout(ctx context.Context, s *fanoutSetup, rounds int) (fanoutResult, error) {
	n := len(s.receivers)
	commits, err := s.wt.emptyCommits(ctx, s.head, rounds)
	if err != nil {
		return fanoutResult{}, err
	}
	var perCheck, last, trigger, fromRef []time.Duration
	for _, sha := range commits {
		done := s.collector.expect(sha, n)
		start := time.Now()
		took, err := s.wt.push(ctx, sha, "feature")
		if err != nil {
			return fanoutResult{}, err
		}
		if err := waitFor(ctx, done, 30*time.Second); err != nil {
			return fanoutResult{}, fmt.Errorf("fan-out to %d checks after a push: %w", n, err)
		}
		trigger = append(trigger, took)
		arrivals := s.collector.arrivals(sha)
		perCheck, last = appendArrivals(perCheck, last, start, arrivals)
		ref, err := os.Stat(s.featureRef)
		if err != nil {
			return fanoutResult{}, fmt.Errorf("when the push landed: %w", err)
		}
		fromRef, _ = appendArrivals(fromRef, nil, ref.ModTime(), arrivals)
	}
	s.head = commits[len(commits)-1]
	return fanoutResult{Checks: n, Trigger: "git push", Rounds: rounds,
		PerCheck: summarize(perCheck), Last: summarize(last), TriggerTime: summarize(trigger), FromRef: summarize(fromRef)}, nil
}

// measureCreateFanout times rounds merge request creations, each from a
// new branch pushed beforehand (not timed).
func measureCreateFanout(ctx context.Context, e *env, s *fanoutSetup, rounds int) (fanoutResult, error) {
	n := len(s.receivers)
	var perCheck, last, trigger []time.Duration
	for r := range rounds {
		branch := fmt.Sprintf("open-%d", r)
		sha, err := s.wt.commitFile(ctx, branch, "main", branch+".txt", branch+"\n")
		if err != nil {
			return fanoutResult{}, err
		}
		if err := s.wt.pushBranches(ctx, branch); err != nil {
			return fanoutResult{}, err
		}
		done := s.collector.expect(sha, n)
		start := time.Now()
		if _, err := e.rest.createMergeRequest(ctx, s.project.ID, branch, "main", "Open "+branch); err != nil {
			return fanoutResult{}, err
		}
		trigger = append(trigger, time.Since(start))
		if err := waitFor(ctx, done, 30*time.Second); err != nil {
			return fanoutResult{}, fmt.Errorf("fan-out to %d checks after opening a merge request: %w", n, err)
		}
		perCheck, last = appendArrivals(perCheck, last, start, s.collector.arrivals(sha))
	}
	return fanoutResult{Checks: n, Trigger: "MR creation", Rounds: rounds,
		PerCheck: summarize(perCheck), Last: summarize(last), TriggerTime: summarize(trigger)}, nil
}

func appendArrivals(perCheck, last []time.Duration, start time.Time, arrivals []time.Time) ([]time.Duration, []time.Duration) {
	var latest time.Duration
	for _, at := range arrivals {
		d := at.Sub(start)
		perCheck = append(perCheck, d)
		latest = max(latest, d)
	}
	return perCheck, append(last, latest)
}

// waitFor waits for done, up to timeout.
func waitFor(ctx context.Context, done <-chan struct{}, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("not every receiver had the payload after %s", timeout)
	}
}
