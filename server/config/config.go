// Package config is the command-line contract of the server: every flag,
// the environment variable behind it, and its default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server is started with.
type Config struct {
	// Listen is the address to serve every door on.
	Listen string
	// AddrFile, when set, is where the address actually bound is written
	// once the server listens: with --listen on port 0, the kernel picks the
	// port, and tools and tests read it here instead of guessing a free one
	// (which another process may take first).
	AddrFile string
	// DataDir holds the embedded store, the secret key file and, later, the
	// git repositories.
	DataDir string
	// RedisURL selects a real Redis; empty means the embedded store.
	RedisURL string
	// RedisAutoPipeline sends the store's commands through go-redis's
	// autopipeliner, which go-redis marks experimental: more throughput
	// under load, a little more latency for a lone request.
	RedisAutoPipeline bool
	// RootToken, when set, is the root administrator's token.
	RootToken string
	// StatusCheckTimeout is how long a pending status check response waits
	// before it fails.
	StatusCheckTimeout time.Duration
	// ProjectDeletionGrace is how long after a project is deleted its
	// records are removed again, for writes that were in flight.
	ProjectDeletionGrace time.Duration
	// AllowLocalNetwork lets deliveries reach loopback, link-local and
	// private addresses.
	AllowLocalNetwork bool
	// ExternalURL is the base of URLs in responses; http://<listen> when
	// empty.
	ExternalURL string
	// SecretKey seals shared secrets (32 bytes, base64 or hex); empty means
	// a key file created in DataDir.
	SecretKey string
	// MaxWatchStreamsPerUser bounds the WatchMergeRequest streams one user
	// may hold open at once on one replica; 0 means no bound.
	MaxWatchStreamsPerUser int
	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level
	// LogFormat is text or json.
	LogFormat string
	// HTTPIdleTimeout is how long a kept-alive connection may wait for its
	// next request; zero means no limit.
	HTTPIdleTimeout time.Duration
	// RequestIdleTimeout is the longest one read of a request body may wait
	// for data, on every door, and one write of a git response for the
	// client; zero means no limit. A push that keeps sending is never cut.
	RequestIdleTimeout time.Duration
	// RequestBodyTimeout is the longest a REST, Connect or gRPC request
	// body may take to arrive whole (git bodies are exempt); zero means no
	// limit.
	RequestBodyTimeout time.Duration
	// GitMaxRequests bounds the git requests running at once (each a git
	// http-backend and the git processes it starts); beyond it, 503. Zero
	// means no bound.
	GitMaxRequests int
	// GitMaxRequestsPerClient bounds them per user, or per remote address
	// when anonymous; beyond it, 429. Zero means no bound.
	GitMaxRequestsPerClient int
	// CrashAt names crash points (comma-separated) at which the process
	// kills itself, for crash tests only; it has no flag, only the
	// SIGNALBOX_CRASH_AT environment variable.
	CrashAt string
	// Version asks for the build information instead of a server.
	Version bool
}

// DefaultMaxWatchStreamsPerUser is --max-watch-streams-per-user by default:
// enough for a person with a merge request open in many tabs, or a bot
// watching its merge requests, and small enough that one token cannot hold
// a replica's memory and goroutines.
const DefaultMaxWatchStreamsPerUser = 20

// Parse reads the flags in args, each defaulting to its environment variable
// (looked up through getenv) and then to the built-in default.
func Parse(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("signalbox", flag.ContinueOnError)
	fs.SetOutput(output)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Listen, "listen", env("SIGNALBOX_LISTEN", "127.0.0.1:8080"), "address to serve gRPC, Connect, REST and git on (SIGNALBOX_LISTEN)")
	fs.StringVar(&c.AddrFile, "addr-file", env("SIGNALBOX_ADDR_FILE", ""), "write the address listened on (host:port) to this file once bound, for --listen with port 0 (SIGNALBOX_ADDR_FILE)")
	fs.StringVar(&c.DataDir, "data-dir", env("SIGNALBOX_DATA_DIR", "./data"), "directory for the embedded store, keys and repositories (SIGNALBOX_DATA_DIR)")
	fs.StringVar(&c.RedisURL, "redis-url", env("SIGNALBOX_REDIS_URL", ""), "Redis URL: redis://host:6379/0, redis+sentinel://host:26379,host:26380/mymaster or redis+cluster://host:7000,host:7001 (docs/deploy.md); empty runs the embedded store (SIGNALBOX_REDIS_URL)")
	fs.StringVar(&c.RootToken, "root-token", env("SIGNALBOX_ROOT_TOKEN", ""), "token of the root administrator; generated and printed once when empty (SIGNALBOX_ROOT_TOKEN)")
	timeout := fs.String("status-check-timeout", env("SIGNALBOX_STATUS_CHECK_TIMEOUT", "2m"), "how long a pending status check waits before it fails (SIGNALBOX_STATUS_CHECK_TIMEOUT)")
	boolEnv := func(name string) (bool, error) {
		v, err := strconv.ParseBool(env(name, "false"))
		if err != nil {
			return false, fmt.Errorf("%s: want true or false, got %q", name, getenv(name))
		}
		return v, nil
	}
	autoPipelineEnv, err := boolEnv("SIGNALBOX_REDIS_AUTOPIPELINE")
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.RedisAutoPipeline, "redis-autopipeline", autoPipelineEnv, "batch concurrent Redis commands through go-redis's experimental autopipeliner (SIGNALBOX_REDIS_AUTOPIPELINE)")
	allowLocalEnv, err := boolEnv("SIGNALBOX_ALLOW_LOCAL_NETWORK")
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.AllowLocalNetwork, "allow-local-network", allowLocalEnv, "let deliveries reach loopback and private addresses (SIGNALBOX_ALLOW_LOCAL_NETWORK)")
	fs.StringVar(&c.ExternalURL, "external-url", env("SIGNALBOX_EXTERNAL_URL", ""), "base URL for web_url fields and clone URLs; http://<listen> when empty (SIGNALBOX_EXTERNAL_URL)")
	fs.StringVar(&c.SecretKey, "secret-key", env("SIGNALBOX_SECRET_KEY", ""), "32-byte key, base64 or hex, that seals shared secrets; a key file in the data dir when empty (SIGNALBOX_SECRET_KEY)")
	maxWatches := fs.String("max-watch-streams-per-user", env("SIGNALBOX_MAX_WATCH_STREAMS_PER_USER", strconv.Itoa(DefaultMaxWatchStreamsPerUser)), "how many merge request watch streams one user may hold open at once; 0 for no bound (SIGNALBOX_MAX_WATCH_STREAMS_PER_USER)")
	level := fs.String("log-level", env("SIGNALBOX_LOG_LEVEL", "info"), "debug, info, warn or error (SIGNALBOX_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("SIGNALBOX_LOG_FORMAT", "text"), "text or json (SIGNALBOX_LOG_FORMAT)")
	httpIdle := fs.String("http-idle-timeout", env("SIGNALBOX_HTTP_IDLE_TIMEOUT", "2m"), "how long a kept-alive connection may wait for its next request; 0 for no limit (SIGNALBOX_HTTP_IDLE_TIMEOUT)")
	requestIdle := fs.String("request-idle-timeout", env("SIGNALBOX_REQUEST_IDLE_TIMEOUT", "1m"), "cut a request whose body sends nothing, or whose client reads no git response, for this long; 0 for no limit (SIGNALBOX_REQUEST_IDLE_TIMEOUT)")
	requestBody := fs.String("request-body-timeout", env("SIGNALBOX_REQUEST_BODY_TIMEOUT", "30s"), "cut a REST, Connect or gRPC request whose body has not arrived whole after this long (git pushes are exempt); 0 for no limit (SIGNALBOX_REQUEST_BODY_TIMEOUT)")
	deletionGrace := fs.String("project-deletion-grace", env("SIGNALBOX_PROJECT_DELETION_GRACE", "2m"), "how long after a project is deleted its records are purged again, for writes that were in flight; longer than any request (SIGNALBOX_PROJECT_DELETION_GRACE)")
	gitMax := fs.String("git-max-requests", env("SIGNALBOX_GIT_MAX_REQUESTS", "32"), "git requests running at once, beyond which git gets 503 and Retry-After; 0 for no bound (SIGNALBOX_GIT_MAX_REQUESTS)")
	gitMaxPerClient := fs.String("git-max-requests-per-client", env("SIGNALBOX_GIT_MAX_REQUESTS_PER_CLIENT", "8"), "git requests running at once per user, or per address when anonymous, beyond which git gets 429 and Retry-After; 0 for no bound (SIGNALBOX_GIT_MAX_REQUESTS_PER_CLIENT)")
	fs.BoolVar(&c.Version, "version", false, "print the build information and exit")
	c.CrashAt = getenv("SIGNALBOX_CRASH_AT")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.StatusCheckTimeout, err = time.ParseDuration(*timeout); err != nil || c.StatusCheckTimeout <= 0 {
		return c, fmt.Errorf("--status-check-timeout: want a positive duration such as 2m, got %q", *timeout)
	}
	if c.MaxWatchStreamsPerUser, err = strconv.Atoi(*maxWatches); err != nil || c.MaxWatchStreamsPerUser < 0 {
		return c, fmt.Errorf("--max-watch-streams-per-user: want a whole number, 0 for no bound, got %q", *maxWatches)
	}
	for _, d := range []struct {
		flag  string
		value string
		into  *time.Duration
	}{
		{"--http-idle-timeout", *httpIdle, &c.HTTPIdleTimeout},
		{"--request-idle-timeout", *requestIdle, &c.RequestIdleTimeout},
		{"--request-body-timeout", *requestBody, &c.RequestBodyTimeout},
		{"--project-deletion-grace", *deletionGrace, &c.ProjectDeletionGrace},
	} {
		if *d.into, err = time.ParseDuration(d.value); err != nil || *d.into < 0 {
			return c, fmt.Errorf("%s: want a duration such as 30s, or 0 for no limit, got %q", d.flag, d.value)
		}
	}
	for _, n := range []struct {
		flag  string
		value string
		into  *int
	}{
		{"--git-max-requests", *gitMax, &c.GitMaxRequests},
		{"--git-max-requests-per-client", *gitMaxPerClient, &c.GitMaxRequestsPerClient},
	} {
		if *n.into, err = strconv.Atoi(n.value); err != nil || *n.into < 0 {
			return c, fmt.Errorf("%s: want a whole number, or 0 for no bound, got %q", n.flag, n.value)
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, fmt.Errorf("--log-level: want debug, info, warn or error, got %q", *level)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("--log-format: want text or json, got %q", c.LogFormat)
	}
	if c.ExternalURL != "" {
		u, err := url.Parse(c.ExternalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, errors.New("--external-url: want an absolute http(s) URL")
		}
		c.ExternalURL = strings.TrimRight(c.ExternalURL, "/")
	}
	return c, nil
}
