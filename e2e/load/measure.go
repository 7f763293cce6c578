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

// levelRow is one concurrency: both endpoints and Redis's own figures.
type levelRow struct {
	Concurrency int
	Post, Get   levelResult
	// PostCommands and GetCommands are Redis commands per call.
	PostCommands, GetCommands float64
	Redis                     redisOps
}

// results is everything the report prints.
type results struct {
	Args     []string
	Machine  machine
	Config   config
	Redis    string
	LogPath  string
	Targets  int
	Pairs    int
	Levels   []levelRow
	Fanout   []fanoutResult
	Expiry   expiryResult
	Noisy    noisyResult
	LoadPeak int64 // VmRSS peak during the throughput levels
	End      memory
	Log      logSummary
	Failures []string
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

	logger.Info("building the server")
	bin, err := harness.Build(workDir)
	if err != nil {
		return nil, err
	}
	rd, err := openRedis(ctx, os.Getenv("REDIS_URL"), workDir)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	res.Redis = rd.describe(ctx)
	res.Machine = describeMachine(ctx)

	token := newToken()
	dataDir := filepath.Join(workDir, "data")
	srv, err := startServer(ctx, serverConfig{
		Binary: bin, DataDir: dataDir, RedisURL: rd.url, Token: token,
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
// by redis-benchmark at the same concurrency.
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
	for _, c := range cfg.Levels {
		row := levelRow{Concurrency: c}
		lc := loadConfig{Concurrency: c, Warmup: cfg.Warmup, Duration: cfg.Duration}
		sampler.Phase("load")
		for _, x := range []struct {
			ep   endpoint
			reqs []request
			out  *levelResult
			cmds *float64
		}{{postResponse, posts, &row.Post, &row.PostCommands}, {getChecks, gets, &row.Get, &row.GetCommands}} {
			logger.Info("throughput", "endpoint", x.ep, "clients", c)
			before, err := rd.commandsProcessed(ctx)
			if err != nil {
				return err
			}
			*x.out = runLevel(ctx, e.token, x.reqs, x.ep, lc)
			after, err := rd.commandsProcessed(ctx)
			if err != nil {
				return err
			}
			if x.out.Sent > 0 {
				*x.cmds = float64(after-before-1) / float64(x.out.Sent) // less this tool's INFO
			}
		}
		sampler.Phase("redis-benchmark")
		logger.Info("redis-benchmark", "clients", c)
		if row.Redis, err = rd.benchmark(ctx, c, cfg.RedisRequests); err != nil {
			return err
		}
		res.Levels = append(res.Levels, row)
		for _, r := range []levelResult{row.Post, row.Get} {
			if r.Errors > 0 {
				res.Failures = append(res.Failures, fmt.Sprintf("%s at %d clients: %d errors, first: %s", r.Endpoint, c, r.Errors, r.FirstError))
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
