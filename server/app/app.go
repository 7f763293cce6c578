// Package app is the composition root: it builds every part of the server
// from a config, bottom-up, and runs it.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"buf.build/go/protovalidate"
	"github.com/redis/go-redis/v9"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/api"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/crashpoint"
	"github.com/signalbox/signalbox/server/deadline"
	"github.com/signalbox/signalbox/server/delivery"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/githttp"
	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/mergetrain"
	"github.com/signalbox/signalbox/server/metrics"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/rest"
	"github.com/signalbox/signalbox/server/secret"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/user"
)

// App is a built server, ready to serve.
type App struct {
	cfg     config.Config
	logger  *slog.Logger
	store   store.Store
	events  event.Bus
	handler http.Handler
	loops   []func(context.Context)
	// mergeTrains is kept for SettleTrains.
	mergeTrains *mergetrain.Service
	// purger is kept for PurgeDeletedProjects.
	purger    *project.Purger
	closers   []func() error
	rootToken string
	metrics   *metrics.Metrics
}

// expirySweep is how often pending deadlines are checked: expiry is written
// down (and announced) at most this late.
const expirySweep = 100 * time.Millisecond

// eventFlushTimeout bounds how long Close waits for queued events to go
// out; a Redis that does not answer by then loses them, which watchers
// survive (events are hints; the dirty set and news counters are durable).
const eventFlushTimeout = 3 * time.Second

// replicaName identifies this process in leases.
func replicaName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s:%d:%x", host, os.Getpid(), b)
}

// Option configures New; the options exist for tests.
type Option interface{ apply(*options) }

type options struct {
	clock        clock.Clock
	rdb          redis.UniversalClient
	keyPrefix    string
	manualTrains bool
	trainRepos   func(repository.Repositories) repository.Repositories
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithClock replaces the wall clock.
func WithClock(c clock.Clock) Option { return optionFunc(func(o *options) { o.clock = c }) }

// WithRedis uses an existing client, with every key under keyPrefix,
// instead of opening the store the config names. The caller keeps ownership
// of rdb.
func WithRedis(rdb redis.UniversalClient, keyPrefix string) Option {
	return optionFunc(func(o *options) { o.rdb, o.keyPrefix = rdb, keyPrefix })
}

// WithManualTrains leaves merge trains still until SettleTrains is called,
// so a test sees every step in a fixed order.
func WithManualTrains() Option { return optionFunc(func(o *options) { o.manualTrains = true }) }

// WithTrainRepositories wraps the repositories the merge trains work on, so
// a test can make git do what it rarely does at the worst moment (a push
// landing just before a merge moves the target).
func WithTrainRepositories(wrap func(repository.Repositories) repository.Repositories) Option {
	return optionFunc(func(o *options) { o.trainRepos = wrap })
}

// New builds the server. cfg.ExternalURL must be set (see ExternalURL).
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...Option) (_ *App, err error) {
	o := options{clock: clock.Real{}}
	for _, opt := range opts {
		opt.apply(&o)
	}
	// Git runs in directories of its own (its home, a repository), so a
	// relative data dir, the default ./data among them, must be resolved
	// against where the server started.
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	a := &App{cfg: cfg, logger: logger, metrics: metrics.New()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	rdb := o.rdb
	var storeOpts []redisstore.Option
	if rdb == nil {
		var closeRedis func() error
		rdb, closeRedis, err = openRedis(cfg.RedisURL, cfg.DataDir, logger)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, closeRedis)
		// Only a client of its own: a test's client is shared.
		rdb.AddHook(a.metrics.RedisHook())
	} else {
		storeOpts = append(storeOpts, redisstore.WithKeyPrefix(o.keyPrefix))
	}
	if cfg.RedisAutoPipeline {
		rdb = pipelined(rdb)
	}
	st := redisstore.New(rdb, storeOpts...)
	a.store = st
	if err := waitForStore(ctx, a.store); err != nil {
		return nil, err
	}
	if err := st.MigrateLegacyCars(ctx); err != nil {
		return nil, fmt.Errorf("migrate merge train cars: %w", err)
	}

	box, err := secretBox(cfg)
	if err != nil {
		return nil, err
	}
	validator, err := protovalidate.New(protovalidate.WithMessages(&signalboxv1.StatusCheckSettings{}))
	if err != nil {
		return nil, err
	}
	runner, err := gitrepo.NewRunner(filepath.Join(cfg.DataDir, "git-home"), logger)
	if err != nil {
		return nil, err
	}
	if err := runner.CheckVersion(ctx); err != nil {
		return nil, err
	}
	reposDir := filepath.Join(cfg.DataDir, "repositories")
	if err := os.MkdirAll(reposDir, 0o700); err != nil {
		return nil, fmt.Errorf("repositories dir: %w", err)
	}
	git := repository.NewGit(runner, reposDir)
	a.closers = append(a.closers, git.Close)

	// Events cross replicas through Redis pub/sub; the embedded store is a
	// single replica and has no pub/sub, so events stay in the process.
	if o.rdb == nil && cfg.RedisURL == "" {
		a.events = event.NewLocal()
	} else {
		bus := event.NewRedis(rdb, o.keyPrefix+"sb:", logger)
		a.events = bus
		a.loops = append(a.loops, bus.Run)
		// Closers run last first: the queued events go out before the
		// client closes, and after Serve has stopped every publisher.
		a.closers = append(a.closers, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), eventFlushTimeout)
			defer cancel()
			return bus.Close(ctx)
		})
	}
	holder := replicaName()
	wake := loop.NewNudge()
	crash := crashpoint.Parse(cfg.CrashAt, logger)

	users := user.NewService(a.store.Users(), o.clock, logger)
	purger := project.NewPurger(project.PurgerDeps{
		Store: a.store, Clock: o.clock, Logger: logger, Holder: holder, Grace: cfg.ProjectDeletionGrace, Crash: crash,
		RemoveRepository: git.Remove,
	})
	a.purger = purger
	a.loops = append(a.loops, purger.Run)
	projects := project.NewService(a.store, o.clock, logger, project.WithCreateHook(git.Init), project.WithPurger(purger))
	queue := delivery.NewQueue(a.store, commits{git}, o.clock, logger, cfg.ExternalURL, wake)
	checks := statuscheck.NewService(statuscheck.Deps{
		Store: a.store, Validator: validator, Box: box, Clock: o.clock, Logger: logger,
		Events: a.events, DefaultTimeout: cfg.StatusCheckTimeout, Sender: queue, Holder: holder, Crash: crash,
		AllowLocalNetwork: cfg.AllowLocalNetwork,
	})
	pipelines := pipeline.NewService(pipeline.Deps{
		Store: a.store, Repos: git, Box: box, Announcer: queue, Events: a.events, Clock: o.clock, Logger: logger, Holder: holder,
		Finished: observePipelines(a.metrics),
	})
	mergeRequests := mergerequest.NewService(mergerequest.Deps{
		Store: a.store, Repos: git, Checks: checks, Pipelines: pipelines, Scopes: projects, Events: a.events, Clock: o.clock, Logger: logger, Holder: holder,
	})
	var trainRepos repository.Repositories = git
	if o.trainRepos != nil {
		trainRepos = o.trainRepos(git)
	}
	mergeTrains := mergetrain.NewService(mergetrain.Deps{
		Store: a.store, Repos: trainRepos, Pipelines: pipelines, Checks: checks, MergeRequests: mergeRequests,
		Events: a.events, Clock: o.clock, Logger: logger, Holder: holder, ExternalURL: cfg.ExternalURL,
		Crash: crash,
	})
	worker := delivery.NewWorker(delivery.WorkerConfig{Holder: holder}, a.store,
		delivery.NewClient(delivery.WithAllowLocalNetwork(cfg.AllowLocalNetwork), observeDeliveries(a.metrics)),
		secrets{checks, pipelines}, o.clock, logger, a.events, wake)
	a.mergeTrains = mergeTrains
	if !o.manualTrains {
		a.loops = append(a.loops, mergeTrains.Run)
	}
	a.loops = append(a.loops,
		worker.Run,
		// Dispatches a dying process cut short are finished once, at start.
		checks.CompleteDispatchesAtStart,
		func(ctx context.Context) {
			// Reads already report an expired response as failed; the
			// sweeper writes it down and wakes watchers within this period.
			loop.Run(ctx, "expiry", expirySweep, nil, logger, func(ctx context.Context) error {
				_, err := checks.ExpireDue(ctx)
				return err
			})
		})

	if a.rootToken, err = users.Bootstrap(ctx, cfg.RootToken); err != nil {
		return nil, fmt.Errorf("bootstrap root: %w", err)
	}

	server := api.NewServer(api.Deps{
		Users:         users,
		Projects:      projects,
		StatusChecks:  checks,
		MergeRequests: mergeRequests,
		MergeTrains:   mergeTrains,
		Pipelines:     pipelines,
		Repository:    repository.NewService(a.store, git),
		Events:        a.events,
		Validator:     validator,
		Prefetcher:    st,
		ExternalURL:   cfg.ExternalURL,
		Watch:         api.WatchLimits{MaxPerUser: cfg.MaxWatchStreamsPerUser},
		Logger:        logger,
	})
	gitHandler := githttp.New(runner, gitAccess{users: users, projects: projects, store: a.store, git: git},
		pushFollower{store: a.store, projects: projects, git: git, mergeRequests: mergeRequests, mergeTrains: mergeTrains, logger: logger}, logger,
		githttp.WithMaxBackends(cfg.GitMaxRequests, cfg.GitMaxRequestsPerClient),
		githttp.WithWriteTimeout(cfg.RequestIdleTimeout))
	// Request bodies get read deadlines on every door; git bodies (pushes)
	// may take as long as they keep sending.
	a.metrics.Registry().MustRegister(metrics.NewState(trainStats(mergeTrains), st.PendingDeadlines, logger))
	ops := ops{metrics: a.metrics, readiness: readinessChecks(a.store, runner, reposDir), logger: logger}
	a.handler = deadline.Bodies(newMux(server, rest.New(server, cfg.ExternalURL, logger), gitHandler, a.store, ops),
		deadline.Config{Idle: cfg.RequestIdleTimeout, Whole: cfg.RequestBodyTimeout, Exempt: isGitRequest})
	return a, nil
}

// ExternalURL is the URL the server is reached at: the configured one, or
// http://<listen address>.
func ExternalURL(cfg config.Config, listenAddr string) string {
	if cfg.ExternalURL != "" {
		return cfg.ExternalURL
	}
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "http://" + listenAddr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// GeneratedRootToken is the root token made on this first start, to be shown
// once; empty when there was one already or --root-token was given.
func (a *App) GeneratedRootToken() string { return a.rootToken }

// SettleTrains brings every merge train to rest (see WithManualTrains).
func (a *App) SettleTrains(ctx context.Context) error { return a.mergeTrains.Settle(ctx) }

// PurgeDeletedProjects runs one pass of the project purger now.
func (a *App) PurgeDeletedProjects(ctx context.Context) error { return a.purger.PurgeDeleted(ctx) }

// Handler serves every door.
func (a *App) Handler() http.Handler { return a.handler }

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting, lets calls in flight finish (up to 10 s), and closes the store.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true) // gRPC clients speak HTTP/2 without TLS
	srv := &http.Server{
		Handler:   a.handler,
		Protocols: protocols,
		// No ReadTimeout: it would cut long pushes; bodies get per-read
		// deadlines instead (package deadline).
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       a.cfg.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var loops sync.WaitGroup
	for _, run := range a.loops {
		loops.Go(func() { run(loopCtx) })
	}
	defer func() {
		stopLoops()
		loops.Wait()
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.logger.Info("serving", "addr", ln.Addr().String(), "external_url", a.cfg.ExternalURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	return err
}

// Close sends the events still queued and releases the store.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// secretBox builds the box that seals shared secrets, from --secret-key or
// from the key file in the data dir.
func secretBox(cfg config.Config) (*secret.Box, error) {
	var key []byte
	var err error
	if cfg.SecretKey != "" {
		key, err = secret.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("--secret-key: %w", err)
		}
	} else if key, err = secret.LoadOrCreateKeyFile(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	return secret.NewBox(key)
}

// waitForStore waits up to 30 s for the store to answer, so the server can
// start before Redis has.
func waitForStore(ctx context.Context, st store.Store) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		err := st.Ping(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store does not answer: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
