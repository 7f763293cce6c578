package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// endpoint is one of the two measured REST calls.
type endpoint int

const (
	// postResponse is POST .../merge_requests/:iid/status_check_responses.
	postResponse endpoint = iota
	// getChecks is GET .../merge_requests/:iid/status_checks.
	getChecks
)

// ceilingEndpoint names a ceiling server with trips round trips.
func ceilingEndpoint(trips int) string {
	if trips == 1 {
		return "ceiling (1 SET)"
	}
	return fmt.Sprintf("ceiling (%d SETs)", trips)
}

func (e endpoint) String() string {
	if e == postResponse {
		return "POST status_check_responses"
	}
	return "GET status_checks"
}

// request is one prepared call: everything is built before the clock runs,
// so the load generator spends its CPU on sending, not on formatting.
type request struct {
	url  string
	body []byte
}

// prepare builds every distinct request of ep over the targets: for a POST,
// each (merge request, check) with passed and failed; for a GET, each merge
// request.
func prepare(base string, targets []target, ep endpoint) []request {
	var out []request
	for _, t := range targets {
		url := fmt.Sprintf("%s/api/v4/projects/%d/merge_requests/%d/", base, t.ProjectID, t.IID)
		if ep == getChecks {
			out = append(out, request{url: url + "status_checks"})
			continue
		}
		for _, status := range []string{"passed", "failed"} {
			for _, c := range t.CheckIDs {
				out = append(out, request{url: url + "status_check_responses",
					body: fmt.Appendf(nil, `{"external_status_check_id":%d,"sha":"%s","status":"%s"}`, c, t.SHA, status)})
			}
		}
	}
	return out
}

// levelResult is one endpoint at one concurrency.
type levelResult struct {
	Endpoint endpoint
	// Name is what the report calls it: the endpoint, or a ceiling server.
	Name        string
	Concurrency int
	Requests    int
	// Sent counts every call that completed, warm-up included, for the
	// Redis commands per call.
	Sent       int
	Errors     int
	FirstError string
	PerSec     float64
	Latency    summary
}

// loadConfig is how long and how hard one level runs.
type loadConfig struct {
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
}

// runLevel sends requests from cfg.Concurrency clients, each one request
// at a time over its own keep-alive connection, for warmup plus duration.
// Only calls that start after the warmup and end within the duration count.
func runLevel(ctx context.Context, token string, reqs []request, ep endpoint, cfg loadConfig) levelResult {
	transport := &http.Transport{
		MaxIdleConns:        cfg.Concurrency,
		MaxIdleConnsPerHost: cfg.Concurrency,
		IdleConnTimeout:     30 * time.Second,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	type workerResult struct {
		latencies  []time.Duration
		sent       int
		errors     int
		firstError string
	}
	results := make([]workerResult, cfg.Concurrency)
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		wg.Go(func() {
			res := &results[w]
			// Workers start at different offsets so that they do not all
			// hit the same merge request at once.
			i := w * len(reqs) / cfg.Concurrency
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				r := reqs[i%len(reqs)]
				i++
				err := send(ctx, client, token, r, ep)
				t1 := time.Now()
				res.sent++
				if t0.Before(measureFrom) || t1.After(end) {
					continue
				}
				if err != nil {
					if res.errors == 0 {
						res.firstError = err.Error()
					}
					res.errors++
					continue
				}
				res.latencies = append(res.latencies, t1.Sub(t0))
			}
		})
	}
	wg.Wait()

	out := levelResult{Endpoint: ep, Name: ep.String(), Concurrency: cfg.Concurrency}
	var all []time.Duration
	for _, r := range results {
		all = append(all, r.latencies...)
		out.Sent += r.sent
		out.Errors += r.errors
		if out.FirstError == "" {
			out.FirstError = r.firstError
		}
	}
	out.Requests = len(all)
	out.PerSec = float64(len(all)) / cfg.Duration.Seconds()
	out.Latency = summarize(all)
	return out
}

// send makes one call and checks its status: 201 for a POST, 200 for a GET.
func send(ctx context.Context, client *http.Client, token string, r request, ep endpoint) error {
	method, want := http.MethodGet, http.StatusOK
	var body io.Reader
	if ep == postResponse {
		method, want, body = http.MethodPost, http.StatusCreated, bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.url, body)
	if err != nil {
		return err
	}
	req.Header.Set("PRIVATE-TOKEN", token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s %s: %d %s", method, r.url, res.StatusCode, b)
	}
	// Drained, so the connection goes back to the pool.
	_, err = io.Copy(io.Discard, res.Body)
	return err
}
