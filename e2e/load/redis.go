package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// commandsProcessed is Redis's count of commands since it started, from
// INFO stats: the difference over a level, divided by the calls made, is
// what one call costs in Redis commands (the server's background loops add
// a few dozen a second).
func (r *redisTarget) commandsProcessed(ctx context.Context) (int64, error) {
	c := r.client()
	defer c.Close()
	info, err := c.Info(ctx, "stats").Result()
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("INFO stats has no total_commands_processed")
}

// benchConnArgs are redis-benchmark's arguments for the same connection the
// server uses: -s for a unix socket, -h/-p for TCP.
func (r *redisTarget) benchConnArgs() ([]string, error) {
	var args []string
	switch r.opts.Network {
	case "unix":
		args = append(args, "-s", r.opts.Addr)
	default:
		host, port, err := net.SplitHostPort(r.opts.Addr)
		if err != nil {
			return nil, err
		}
		args = append(args, "-h", host, "-p", port)
	}
	if r.opts.TLSConfig != nil {
		args = append(args, "--tls")
	}
	if r.opts.Username != "" {
		args = append(args, "--user", r.opts.Username)
	}
	if r.opts.Password != "" {
		args = append(args, "-a", r.opts.Password)
	}
	// Another database than the server's, so the benchmark's keys never
	// mix with the server's records.
	args = append(args, "--dbnum", strconv.Itoa((r.opts.DB+1)%16))
	return args, nil
}

// redisOps is what redis-benchmark measured at one concurrency.
type redisOps struct {
	SetPerSec float64
	GetPerSec float64
}

// benchmark runs redis-benchmark's SET and GET with clients connections,
// requests requests each, one command per round trip as the server sends
// them, over a keyspace of 100,000 random keys.
func (r *redisTarget) benchmark(ctx context.Context, clients, requests int) (redisOps, error) {
	conn, err := r.benchConnArgs()
	if err != nil {
		return redisOps{}, err
	}
	args := append(conn, "-t", "set,get", "-c", strconv.Itoa(clients), "-n", strconv.Itoa(requests),
		"-r", "100000", "-q", "--csv")
	cmd := exec.CommandContext(ctx, "redis-benchmark", args...)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return redisOps{}, fmt.Errorf("redis-benchmark: %v: %s", err, ee.Stderr)
		}
		return redisOps{}, fmt.Errorf("redis-benchmark: %w (apt-get install -y redis-tools)", err)
	}
	return parseBenchmarkCSV(string(out))
}

// parseBenchmarkCSV reads redis-benchmark --csv output: a header row, then
// one row per test with its requests per second second.
func parseBenchmarkCSV(out string) (redisOps, error) {
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		return redisOps{}, fmt.Errorf("redis-benchmark output: %w", err)
	}
	var ops redisOps
	for _, row := range rows {
		if len(row) < 2 {
			continue
		}
		rps, err := strconv.ParseFloat(row[1], 64)
		if err != nil {
			continue // the header
		}
		switch row[0] {
		case "SET":
			ops.SetPerSec = rps
		case "GET":
			ops.GetPerSec = rps
		}
	}
	if ops.SetPerSec == 0 || ops.GetPerSec == 0 {
		return redisOps{}, fmt.Errorf("redis-benchmark output has no SET and GET rows: %q", out)
	}
	return ops, nil
}
