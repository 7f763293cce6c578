package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/app"
	serverconfig "github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/store/roundtrip"
)

// cost is what one call of an endpoint costs in Redis, on average.
type cost struct {
	Commands   float64
	RoundTrips float64
}

// counter is a second replica of the server, in this process, on the same
// Redis and data directory, whose go-redis client counts what each request
// sends (roundtrip.Hook). It serves requests through its handler directly,
// without its background loops, so only the requests are counted.
type counter struct {
	app *app.App
	rdb *redis.Client
}

// newCounter starts the counting replica over the server's Redis, with the
// server's key prefix and data directory.
func newCounter(ctx context.Context, rd *redisTarget, dataDir, token, externalURL string) (*counter, error) {
	cfg, err := serverconfig.Parse([]string{
		"--redis-url", rd.url, "--data-dir", dataDir, "--root-token", token,
		"--status-check-timeout", serverTimeout.String(), "--allow-local-network",
	}, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, err
	}
	cfg.ExternalURL = externalURL
	o := *rd.opts
	rdb := redis.NewClient(&o)
	rdb.AddHook(roundtrip.Hook{})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, logger, app.WithRedis(rdb, "sb:"))
	if err != nil {
		rdb.Close()
		return nil, fmt.Errorf("counting replica: %w", err)
	}
	return &counter{app: a, rdb: rdb}, nil
}

// measure sends each request twice, one at a time, and returns the mean
// cost of one of the second pass: a replica under load has served each
// merge request before, so its prefetch guesses (see redisstore.guesses)
// are warm, as they are in the measured load.
func (c *counter) measure(ctx context.Context, token string, reqs []request, ep endpoint) (cost, error) {
	if _, err := c.pass(ctx, token, reqs, ep); err != nil {
		return cost{}, err
	}
	return c.pass(ctx, token, reqs, ep)
}

func (c *counter) pass(ctx context.Context, token string, reqs []request, ep endpoint) (cost, error) {
	var total roundtrip.Count
	for _, r := range reqs {
		method, want := http.MethodGet, http.StatusOK
		if ep == postResponse {
			method, want = http.MethodPost, http.StatusCreated
		}
		req := httptest.NewRequestWithContext(roundtrip.WithCount(ctx, &total), method, r.url, bytes.NewReader(r.body))
		req.Header.Set("PRIVATE-TOKEN", token)
		if r.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		c.app.Handler().ServeHTTP(rec, req)
		if rec.Code != want {
			return cost{}, fmt.Errorf("counting replica: %s %s: %d %s", method, r.url, rec.Code, rec.Body.Bytes())
		}
	}
	n := float64(len(reqs))
	return cost{Commands: float64(total.Commands()) / n, RoundTrips: float64(total.RoundTrips()) / n}, nil
}

func (c *counter) Close() {
	c.app.Close()
	c.rdb.Close()
}
