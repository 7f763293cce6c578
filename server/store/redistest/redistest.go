// Package redistest gives tests a real Redis. It takes the first of these
// that works: the server named by REDIS_URL; a container from the
// testcontainers redis module when a Docker provider is healthy; a
// redis-server started for the test on a private unix socket.
//
// Without any of them the test is skipped, or fails when
// SIGNALBOX_REQUIRE_REDIS=1 (as in CI), naming what to install.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/testcontainers/testcontainers-go"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"
)

// Redis is a real Redis server reachable from a test.
type Redis struct {
	// Kind says where the server came from: "REDIS_URL", "testcontainers"
	// or "redis-server".
	Kind string
	url  string

	mu   sync.Mutex
	cmd  *exec.Cmd // set when this package started redis-server
	dir  string
	args []string
}

// Option configures New.
type Option interface{ apply(*config) }

type config struct {
	own     bool
	durable bool
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Owned asks for a redis-server of the test's own, never a shared one, so the
// test may stop and restart it.
func Owned() Option { return optionFunc(func(c *config) { c.own = true }) }

// Durable makes an owned server write every command to an append-only file
// and sync it before answering, so that a restart loses nothing that was
// acknowledged.
func Durable() Option {
	return optionFunc(func(c *config) { c.own, c.durable = true, true })
}

// New returns a real Redis for t.
func New(t testing.TB, opts ...Option) *Redis {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o.apply(&cfg)
	}
	if !cfg.own {
		if u := os.Getenv("REDIS_URL"); u != "" {
			return &Redis{Kind: "REDIS_URL", url: u}
		}
		if r := fromContainer(t); r != nil {
			return r
		}
	}
	if path, err := exec.LookPath("redis-server"); err == nil {
		return startServer(t, path, cfg.durable)
	}
	unavailable(t, "no Redis: set REDIS_URL, run a Docker engine, or install redis-server (apt-get install -y redis-server)")
	return nil
}

// Unavailable reports that the test needs something this machine lacks:
// it fails in CI (SIGNALBOX_REQUIRE_REDIS=1) and skips elsewhere.
func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("SIGNALBOX_REQUIRE_REDIS") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// URL is a go-redis URL for the server (redis:// or unix://).
func (r *Redis) URL() string { return r.url }

// Options returns go-redis options for the server.
func (r *Redis) Options(t testing.TB) *redis.Options {
	t.Helper()
	opts, err := redis.ParseURL(r.url)
	if err != nil {
		t.Fatalf("redistest: parse %q: %v", r.url, err)
	}
	opts.ReadTimeout = 10 * time.Second
	return opts
}

// Client returns a client closed when t ends.
func (r *Redis) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(r.Options(t))
	t.Cleanup(func() { c.Close() })
	return c
}

// Prefix returns a key prefix no other test uses, so tests can share a server.
func Prefix(t testing.TB) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b) + ":"
}

// Stop stops a server this package started. Its data survives when it is
// Durable.
func (r *Redis) Stop(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		t.Fatalf("redistest: only an Owned server can be stopped (this one is %s)", r.Kind)
	}
	stop(r.cmd)
	r.cmd = nil
}

// Start starts a stopped server again on the same socket.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return
	}
	cmd, err := launch(r.args, r.dir)
	if err != nil {
		t.Fatalf("redistest: restart redis-server: %v", err)
	}
	r.cmd = cmd
}

func startServer(t testing.TB, path string, durable bool) *Redis {
	t.Helper()
	// A short directory keeps the socket path under the unix limit.
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "redis.sock")
	args := []string{path, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--dir", dir, "--save", "", "--logfile", filepath.Join(dir, "redis.log")}
	if durable {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	cmd, err := launch(args, dir)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	r := &Redis{Kind: "redis-server", url: "unix://" + sock, cmd: cmd, dir: dir, args: args}
	t.Cleanup(func() {
		r.mu.Lock()
		if r.cmd != nil {
			stop(r.cmd)
		}
		r.mu.Unlock()
		os.RemoveAll(dir)
	})
	return r
}

func launch(args []string, dir string) (*exec.Cmd, error) {
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "redis.sock")
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: sock, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := c.Ping(context.Background()).Err(); err == nil {
			return cmd, nil
		}
		if time.Now().After(deadline) {
			stop(cmd)
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			return nil, fmt.Errorf("redis-server did not answer within 10s; log:\n%s", log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_, _ = cmd.Process.Wait()
}

// fromContainer starts a Redis container when a Docker provider is healthy.
// It falls back (returns nil) rather than skipping when there is none.
func fromContainer(t testing.TB) *Redis {
	t.Helper()
	if os.Getenv("REDISTEST_NO_DOCKER") == "1" || !dockerHealthy() {
		return nil
	}
	ctx := context.Background()
	c, err := tcredis.Run(ctx, "redis:7-alpine")
	if err != nil {
		t.Logf("redistest: Docker is healthy but the container did not start, falling back: %v", err)
		return nil
	}
	testcontainers.CleanupContainer(t, c)
	u, err := c.ConnectionString(ctx)
	if err != nil {
		t.Fatalf("redistest: container address: %v", err)
	}
	return &Redis{Kind: "testcontainers", url: u}
}

// dockerHealthy asks the default provider. The provider panics rather than
// erring on some machines without Docker, hence recover.
func dockerHealthy() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	p, err := testcontainers.ProviderDefault.GetProvider()
	if err != nil {
		return false
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.Health(ctx) == nil
}
