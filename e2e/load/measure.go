package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/signalbox/signalbox/e2e/harness"
	signalbox "github.com/signalbox/signalbox/sdk/go"
)

// serverTimeout is the server's --status-check-timeout. It is long so
// that the pending responses every push and merge request creation leaves
// behind do not expire during the run and add sweeper work to the other
// phases; the expiry phase sets its own short timeout on its check.
const serverTimeout = time.Hour

// levelRow is one concurrency: both endpoints and the ceiling servers.
type levelRow struct {
	Concurrency int
	Post, Get   levelResult
	// Ceilings are the ceiling servers', in the order of -ceiling-trips.
	Ceilings []levelResult
}

// results is everything the report prints.
type results struct {
	Args    []string
	Machine machine
	Config  config
	Redis   string
	LogPath string
	Targets int
	Pairs   int
	Levels  []levelRow
	// PostCost and GetCost are what one call costs in Redis, counted on a
	// second replica; nil on the embedded store.
	PostCost, GetCost *cost
	Fanout            []fanoutResult
	Expiry            expiryResult
	Noisy             noisyResult
	LoadPeak          int64 // VmRSS peak during the throughput levels
	End               memory
	Log               logSummary
	Failures          []string
}

// measure runs every phase. It returns what it measured so far even when a
// phase fails, so the report shows it.
func measure(ctx context.Context, cfg config, args []string, logger *slog.Logger) (*results, error) {
	workDir, err := os.MkdirTemp("", "signalbox-load-")
	if err != nil {
		return nil, err
	}
	if cfg.Keep {
		logger.Info("keeping the work directory", "dir", workDir)
	} else {
		defer os.RemoveAll(workDir)
	}
	res := &results{Args: args, Config: cfg, LogPath: filepath.Join(workDir, "server.log")}

	bin := cfg.Binary
	if bin == "" {
		logger.Info("building the server")
		if bin, err = harness.Build(workDir); err != nil {
			return nil, err
		}
	}
	var rd *redisTarget
	res.Redis = "the embedded store (redka on SQLite) in the server's process; the ceiling servers start one of their own"
	if cfg.Store == "redis" {
		if rd, err = openRedis(ctx, os.Getenv("REDIS_URL"), workDir); err != nil {
			return nil, err
		}
		defer rd.Close()
		res.Redis = rd.describe(ctx)
	}
	res.Machine = describeMachine(ctx)

	token := newToken()
	dataDir := filepath.Join(workDir, "data")
	srv, err := startServer(ctx, serverConfig{
		Binary: bin, DataDir: dataDir, RedisURL: rd.URL(), Token: token,
		LogLevel: cfg.LogLevel, LogPath: res.LogPath, StatusCheckTimeout: serverTimeout,
		AutoPipeline: cfg.AutoPipeline,
	})
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	sampler := newRSSSampler(srv.Pid())
	sampleCtx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	go sampler.Run(sampleCtx, 50*time.Millisecond)

	e := &env{
		rest:    &restClient{base: srv.URL, token: token, http: &http.Client{Timeout: 60 * time.Second}},
		baseURL: srv.URL, token: token, workDir: workDir, dataDir: dataDir,
	}
	err = runPhases(ctx, cfg, e, rd, sampler, res, logger)
	if m, merr := readMemory(srv.Pid()); merr == nil {
		res.End = m
	}
	res.LoadPeak = sampler.Peak("load")
	res.Log = summarizeLog(res.LogPath)
	if exited, exitErr := srv.Exited(); exited {
		err = errors.Join(err, fmt.Errorf("the server exited during the run: %v (log: %s)", exitErr, res.LogPath))
	}
	if err == nil && len(res.Failures) > 0 {
		err = fmt.Errorf("%d problems, first: %s", len(res.Failures), res.Failures[0])
	}
	return res, err
}

func runPhases(ctx context.Context, cfg config, e *env, rd *redisTarget, sampler *rssSampler, res *results, logger *slog.Logger) error {
	if cfg.Phases["throughput"] {
		if err := throughputPhase(ctx, cfg, e, rd, sampler, res, logger); err != nil {
			return err
		}
	}
	if cfg.Phases["fanout"] {
		sampler.Phase("fanout")
		for _, n := range cfg.Fanout {
			logger.Info("delivery fan-out", "checks", n, "pushes", cfg.FanoutRounds, "creations", cfg.CreateRounds)
			if err := fanoutPhase(ctx, cfg, e, n, res); err != nil {
				return err
			}
		}
	}
	if cfg.Phases["expiry"] {
		sampler.Phase("expiry")
		logger.Info("expiry", "mrs", cfg.ExpiryMRs, "rounds", cfg.ExpiryRounds, "timeout_seconds", cfg.ExpiryTimeout)
		client, err := signalbox.New(e.baseURL, signalbox.WithToken(e.token),
			signalbox.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * cfg.ExpiryMRs}}))
		if err != nil {
			return err
		}
		if res.Expiry, err = measureExpiry(ctx, e, client, cfg.ExpiryMRs, cfg.ExpiryRounds, cfg.ExpiryTimeout); err != nil {
			return err
		}
	}
	// Last: the noisy neighbour's attempts keep hanging until the run ends.
	if cfg.Phases["noisy"] {
		sampler.Phase("noisy")
		logger.Info("noisy neighbour", "hanging_checks", cfg.NoisyHanging, "victim_rounds", cfg.NoisyRounds)
		if err := noisyPhase(ctx, cfg, e, res); err != nil {
			return err
		}
	}
	return nil
}

// throughputPhase measures both endpoints at every level, each followed
// by the ceiling servers at the same concurrency. On Redis it first counts
// what one call of each endpoint costs there.
func throughputPhase(ctx context.Context, cfg config, e *env, rd *redisTarget, sampler *rssSampler, res *results, logger *slog.Logger) error {
	sampler.Phase("setup")
	logger.Info("setting up the throughput targets", "projects", cfg.Projects, "mrs", cfg.MRs, "checks", cfg.Checks)
	var sinkArrivals atomic.Int64
	sink, err := newReceiver("load-sink-secret", func(arrival) { sinkArrivals.Add(1) })
	if err != nil {
		return err
	}
	defer sink.Close()
	targets, err := setupLoadTargets(ctx, e, cfg.Projects, cfg.MRs, cfg.Checks, sink)
	if err != nil {
		return err
	}
	res.Targets, res.Pairs = len(targets), len(targets)*cfg.Checks
	// Let the deliveries of the new merge requests finish first, so they
	// are not part of the first level.
	want := int64(res.Pairs)
	for deadline := time.Now().Add(60 * time.Second); sinkArrivals.Load() < want; {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d setup deliveries arrived", sinkArrivals.Load(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}

	posts := prepare(e.baseURL, targets, postResponse)
	gets := prepare(e.baseURL, targets, getChecks)
	if rd != nil && cfg.Binary == "" {
		if res.PostCost, res.GetCost, err = countCosts(ctx, rd, e, posts, gets); err != nil {
			return err
		}
	}
	var ceilings []*ceilingProc
	defer func() {
		for _, c := range ceilings {
			c.Stop()
		}
	}()
	for i, trips := range cfg.CeilingTrips {
		c, err := startCeiling(ctx, rd.URL(), filepath.Join(e.workDir, fmt.Sprintf("ceiling-%d", i)), trips)
		if err != nil {
			return err
		}
		ceilings = append(ceilings, c)
	}
	for _, c := range cfg.Levels {
		row := levelRow{Concurrency: c}
		lc := loadConfig{Concurrency: c, Warmup: cfg.Warmup, Duration: cfg.Duration}
		sampler.Phase("load")
		for _, x := range []struct {
			ep   endpoint
			reqs []request
			out  *levelResult
		}{{postResponse, posts, &row.Post}, {getChecks, gets, &row.Get}} {
			logger.Info("throughput", "endpoint", x.ep, "clients", c)
			*x.out = runLevel(ctx, e.token, x.reqs, x.ep, lc)
		}
		sampler.Phase("ceiling")
		for _, ceiling := range ceilings {
			logger.Info("ceiling", "trips", ceiling.Trips, "clients", c)
			r := runLevel(ctx, e.token, prepare(ceiling.URL, targets, postResponse), postResponse, lc)
			r.Name = ceilingEndpoint(ceiling.Trips)
			row.Ceilings = append(row.Ceilings, r)
		}
		res.Levels = append(res.Levels, row)
		for _, r := range append([]levelResult{row.Post, row.Get}, row.Ceilings...) {
			if r.Errors > 0 {
				res.Failures = append(res.Failures, fmt.Sprintf("%s at %d clients: %d errors, first: %s", r.Name, c, r.Errors, r.FirstError))
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if n := sink.Bad(); n > 0 {
		res.Failures = append(res.Failures, fmt.Sprintf("the load receiver refused %d payloads (bad signature or body)", n))
	}
	return nil
}

// fanoutPhase measures one fan-out size, with both triggers.
func fanoutPhase(ctx context.Context, cfg config, e *env, n int, res *results) error {
	s, err := setupFanout(ctx, e, n)
	if err != nil {
		return err
	}
	defer s.Close()
	push, err := measurePushFanout(ctx, s, cfg.FanoutRounds)
	if err != nil {
		return err
	}
	res.Fanout = append(res.Fanout, push)
	if cfg.CreateRounds > 0 {
		create, err := measureCreateFanout(ctx, e, s, cfg.CreateRounds)
		if err != nil {
			return err
		}
		res.Fanout = append(res.Fanout, create)
	}
	if bad := s.Bad(); bad > 0 {
		res.Failures = append(res.Failures, fmt.Sprintf("fan-out receivers (%d checks) refused %d payloads", n, bad))
	}
	return nil
}

// newToken is a fresh root token for this run.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "glpat-load-" + hex.EncodeToString(b)
}

// countCosts counts, on a second replica of the server, the Redis commands
// and round trips of one call of each endpoint (every prepared call once).
func countCosts(ctx context.Context, rd *redisTarget, e *env, posts, gets []request) (post, get *cost, err error) {
	c, err := newCounter(ctx, rd, e.dataDir, e.token, e.baseURL)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	p, err := c.measure(ctx, e.token, posts, postResponse)
	if err != nil {
		return nil, nil, err
	}
	g, err := c.measure(ctx, e.token, gets, getChecks)
	if err != nil {
		return nil, nil, err
	}
	return &p, &g, nil
}
