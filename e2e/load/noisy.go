package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signalbox/signalbox/server/delivery"
)

// noisyResult is one project's delivery latency on its own, and again while
// another project's merge request keeps receivers that never answer busy.
type noisyResult struct {
	// Hanging is the attacker's number of never-answering checks.
	Hanging int
	Rounds  int
	// Baseline and Attacked are, per round, the time from the start of the
	// POST that opens the victim's merge request to its check's receiver
	// having the verified payload.
	Baseline, Attacked summary
	// HeldBefore and HeldAfter are the attacker's attempts in flight when
	// the attacked rounds began and ended.
	HeldBefore, HeldAfter int64
}

// hangingReceiver accepts requests and never answers them, until Close.
type hangingReceiver struct {
	URL     string
	srv     *http.Server
	release chan struct{}
	once    sync.Once
	held    atomic.Int64
}

func newHangingReceiver() (*hangingReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hangingReceiver{URL: "http://" + ln.Addr().String(), release: make(chan struct{})}
	h.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.held.Add(1)
		defer h.held.Add(-1)
		// Read the body first: only then does the server notice that the
		// client gave up, and end the request.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	})}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

// Held is how many requests it holds now.
func (h *hangingReceiver) Held() int64 { return h.held.Load() }

// Close lets every held request go and stops serving.
func (h *hangingReceiver) Close() {
	h.once.Do(func() { close(h.release) })
	_ = h.srv.Close()
}

// victim is a project with one quick check, whose merge requests are
// opened one at a time.
type victim struct {
	project   projectEntity
	wt        *worktree
	receiver  *receiver
	collector *collector
	opened    int
}

func setupVictim(ctx context.Context, e *env) (_ *victim, err error) {
	p, w, err := e.project(ctx, "victim")
	if err != nil {
		return nil, err
	}
	v := &victim{project: p, wt: w, collector: newCollector()}
	if v.receiver, err = newReceiver("victim-secret", v.collector.add); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			v.receiver.Close()
		}
	}()
	if _, err := e.rest.createCheck(ctx, p.ID, "quick", v.receiver.URL, "victim-secret", 0); err != nil {
		return nil, err
	}
	if _, err := w.commitFile(ctx, "main", "", "README", "victim\n"); err != nil {
		return nil, err
	}
	if err := w.pushBranches(ctx, "main"); err != nil {
		return nil, err
	}
	return v, nil
}

// measure opens rounds merge requests, each from a branch pushed beforehand
// (not timed), and times each until the check's receiver has the payload.
func (v *victim) measure(ctx context.Context, e *env, rounds int) (summary, error) {
	var took []time.Duration
	for range rounds {
		v.opened++
		branch := fmt.Sprintf("victim-%d", v.opened)
		sha, err := v.wt.commitFile(ctx, branch, "main", branch+".txt", branch+"\n")
		if err != nil {
			return summary{}, err
		}
		if err := v.wt.pushBranches(ctx, branch); err != nil {
			return summary{}, err
		}
		done := v.collector.expect(sha, 1)
		start := time.Now()
		if _, err := e.rest.createMergeRequest(ctx, v.project.ID, branch, "main", "Victim "+branch); err != nil {
			return summary{}, err
		}
		// Long enough for a server without fair scheduling, which makes
		// the victim wait for rounds of attempt timeouts.
		if err := waitFor(ctx, done, 3*time.Minute); err != nil {
			return summary{}, fmt.Errorf("the victim's delivery: %w", err)
		}
		arrivals := v.collector.arrivals(sha)
		took = append(took, arrivals[0].Sub(start))
	}
	return summarize(took), nil
}

// noisyPhase measures a victim project's delivery latency alone, then with
// an attacker project whose merge request asks hanging checks that never
// answer, so that its attempts hold the slots the server gives one project
// until each times out.
func noisyPhase(ctx context.Context, cfg config, e *env, res *results) error {
	v, err := setupVictim(ctx, e)
	if err != nil {
		return err
	}
	defer v.receiver.Close()
	out := noisyResult{Hanging: cfg.NoisyHanging, Rounds: cfg.NoisyRounds}
	if out.Baseline, err = v.measure(ctx, e, cfg.NoisyRounds); err != nil {
		return err
	}

	hang, err := newHangingReceiver()
	if err != nil {
		return err
	}
	defer hang.Close()
	p, w, err := e.project(ctx, "attacker")
	if err != nil {
		return err
	}
	for i := range cfg.NoisyHanging {
		// One receiver; the path keeps each URL unique in the project.
		if _, err := e.rest.createCheck(ctx, p.ID, fmt.Sprintf("hang-%d", i), fmt.Sprintf("%s/%d", hang.URL, i), "", 0); err != nil {
			return err
		}
	}
	if _, err := w.commitFile(ctx, "main", "", "README", "attacker\n"); err != nil {
		return err
	}
	if _, err := w.commitFile(ctx, "feature", "main", "feature.txt", "v1\n"); err != nil {
		return err
	}
	if err := w.pushBranches(ctx, "main", "feature"); err != nil {
		return err
	}
	if _, err := e.rest.createMergeRequest(ctx, p.ID, "feature", "main", "Ask every hanging check"); err != nil {
		return err
	}
	// Wait until the attacker holds at least a project's share of the
	// slots (more, on a server without per-project bounds).
	share := int64(min(cfg.NoisyHanging, delivery.DefaultPerProject))
	for deadline := time.Now().Add(60 * time.Second); hang.Held() < share; {
		if time.Now().After(deadline) {
			return fmt.Errorf("the attacker's hanging receivers hold %d requests, want %d", hang.Held(), share)
		}
		time.Sleep(10 * time.Millisecond)
	}
	out.HeldBefore = hang.Held()
	if out.Attacked, err = v.measure(ctx, e, cfg.NoisyRounds); err != nil {
		return err
	}
	out.HeldAfter = hang.Held()
	res.Noisy = out
	if bad := v.receiver.Bad(); bad > 0 {
		res.Failures = append(res.Failures, fmt.Sprintf("the victim's receiver refused %d payloads", bad))
	}
	return nil
}
