// Package servertest runs a whole Signalbox in the test process, on a real
// loopback listener and a real Redis, with a fresh key prefix (so ids start
// at 1) and, unless asked otherwise, a fake clock.
package servertest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/app"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// RootToken is the root administrator's token in every test server.
const RootToken = "glpat-root-token-for-tests"

// Epoch is where the fake clock starts.
func Epoch() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC) }

// Server is a running test server.
type Server struct {
	// URL is where the server listens, e.g. http://127.0.0.1:41234.
	URL string
	// ExternalURL is the base of URLs in its responses.
	ExternalURL string
	// Clock is the fake clock, or nil with RealClock.
	Clock *clock.Fake
	Redis *redistest.Redis
	App   *app.App

	prefix, dataDir string
}

// Option configures New.
type Option interface{ apply(*settings) }

type settings struct {
	externalURL  string
	realClock    bool
	manualTrains bool
	cfg          func(*config.Config)
	trainRepos   func(repository.Repositories) repository.Repositories
	hooks        []redis.Hook
	replicaOf    *Server
}

type optionFunc func(*settings)

func (f optionFunc) apply(s *settings) { f(s) }

// WithExternalURL fixes the base of response URLs, so golden bodies do not
// depend on the port.
func WithExternalURL(u string) Option { return optionFunc(func(s *settings) { s.externalURL = u }) }

// RealClock uses the wall clock instead of the fake one.
func RealClock() Option { return optionFunc(func(s *settings) { s.realClock = true }) }

// ManualTrains leaves merge trains still until the test calls
// App.SettleTrains, so every step happens in a fixed order.
func ManualTrains() Option { return optionFunc(func(s *settings) { s.manualTrains = true }) }

// WrapTrainRepositories wraps the git repositories merge trains work on
// (see app.WithTrainRepositories).
func WrapTrainRepositories(wrap func(repository.Repositories) repository.Repositories) Option {
	return optionFunc(func(s *settings) { s.trainRepos = wrap })
}

// WithRedisHook adds a go-redis hook to the server's client, e.g.
// roundtrip.Hook to count what requests cost.
func WithRedisHook(h redis.Hook) Option {
	return optionFunc(func(s *settings) { s.hooks = append(s.hooks, h) })
}

// ReplicaOf makes the server a second replica of other: the same Redis, key
// prefix, data directory and secret key, a process of its own in all else
// (its client, memory and loops), so a test can change a record through
// one replica and read it through the other.
func ReplicaOf(other *Server) Option { return optionFunc(func(s *settings) { s.replicaOf = other }) }

// WithConfig edits the config before the server is built.
func WithConfig(f func(*config.Config)) Option { return optionFunc(func(s *settings) { s.cfg = f }) }

// New starts a server that stops when t ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var s settings
	for _, o := range opts {
		o.apply(&s)
	}
	var r *redistest.Redis
	prefix, dataDir := "", ""
	if s.replicaOf != nil {
		r, prefix, dataDir = s.replicaOf.Redis, s.replicaOf.prefix, s.replicaOf.dataDir
	} else {
		r, prefix, dataDir = redistest.New(t), redistest.Prefix(t), t.TempDir()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	cfg := config.Config{
		Listen:             ln.Addr().String(),
		DataDir:            dataDir,
		RootToken:          RootToken,
		StatusCheckTimeout: 2 * time.Minute,
		ExternalURL:        url,
		SecretKey:          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		LogLevel:           slog.LevelWarn,
	}
	if s.externalURL != "" {
		cfg.ExternalURL = s.externalURL
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	srv := &Server{URL: url, ExternalURL: cfg.ExternalURL, Redis: r, prefix: prefix, dataDir: dataDir}
	rdb := r.Client(t)
	for _, h := range s.hooks {
		rdb.AddHook(h)
	}
	appOpts := []app.Option{app.WithRedis(rdb, prefix)}
	if !s.realClock {
		srv.Clock = clock.NewFake(Epoch())
		appOpts = append(appOpts, app.WithClock(srv.Clock))
	}
	if s.manualTrains {
		appOpts = append(appOpts, app.WithManualTrains())
	}
	if s.trainRepos != nil {
		appOpts = append(appOpts, app.WithTrainRepositories(s.trainRepos))
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, logger, appOpts...)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("servertest: %v", err)
	}
	srv.App = a
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("servertest: serve: %v", err)
		}
		a.Close()
	})
	return srv
}
