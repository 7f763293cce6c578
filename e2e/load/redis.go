package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisTarget is the Redis the server uses and redis-benchmark measures:
// REDIS_URL when set, else a private redis-server on a unix socket.
type redisTarget struct {
	// url is what the server gets as --redis-url.
	url  string
	opts *redis.Options
	// cmd is the redis-server this tool started, if any.
	cmd *exec.Cmd
}

// openRedis uses REDIS_URL, or starts redis-server in dir with a unix
// socket, the way the tests do (server/store/redistest): no persistence,
// so disk writes do not distort the figures.
func openRedis(ctx context.Context, envURL, dir string) (*redisTarget, error) {
	if envURL != "" {
		opts, err := redis.ParseURL(envURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		r := &redisTarget{url: envURL, opts: opts}
		// The server writes its own keys at the root of this database, so a
		// database that holds anything could collide with them.
		n, err := r.client().DBSize(ctx).Result()
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		if n > 0 {
			return nil, fmt.Errorf("REDIS_URL names a database with %d keys; point it at an empty one (the server writes its keys there)", n)
		}
		return r, nil
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("no redis-server: set REDIS_URL or apt-get install -y redis-server")
	}
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(path, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--dir", dir, "--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	r := &redisTarget{url: "unix://" + sock, opts: &redis.Options{Network: "unix", Addr: sock}, cmd: cmd}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := r.client().Ping(ctx).Err()
		if err == nil {
			return r, nil
		}
		if time.Now().After(deadline) {
			r.Close()
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			return nil, fmt.Errorf("redis-server did not answer within 10s: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// URL is what the server gets as --redis-url: empty for the embedded store
// (a nil target).
func (r *redisTarget) URL() string {
	if r == nil {
		return ""
	}
	return r.url
}

// client is a short-lived client for one command.
func (r *redisTarget) client() *redis.Client {
	o := *r.opts
	o.MaxRetries = -1
	return redis.NewClient(&o)
}

// Close stops the redis-server this tool started.
func (r *redisTarget) Close() {
	if r.cmd != nil {
		_ = r.cmd.Process.Kill()
		_, _ = r.cmd.Process.Wait()
		r.cmd = nil
	}
}

// describe says which Redis this is, for the report.
func (r *redisTarget) describe(ctx context.Context) string {
	c := r.client()
	defer c.Close()
	version := "?"
	if info, err := c.Info(ctx, "server").Result(); err == nil {
		for line := range strings.Lines(info) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
				version = v
			}
		}
	}
	where := "REDIS_URL (" + r.opts.Network + ")"
	if r.cmd != nil {
		where = "private redis-server on a unix socket"
	}
	return fmt.Sprintf("Redis %s, %s", version, where)
}
