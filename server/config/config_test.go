package config_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/config"
)

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(nil, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", c.Listen)
	require.Empty(t, c.AddrFile, "no address file unless asked for")
	require.Equal(t, "./data", c.DataDir)
	require.Empty(t, c.RedisURL)
	require.False(t, c.RedisAutoPipeline, "the autopipeliner is experimental, so opt-in")
	require.Empty(t, c.RootToken)
	require.Equal(t, 2*time.Minute, c.StatusCheckTimeout)
	require.False(t, c.AllowLocalNetwork)
	require.Empty(t, c.ExternalURL)
	require.Equal(t, slog.LevelInfo, c.LogLevel)
	require.Equal(t, config.DefaultMaxWatchStreamsPerUser, c.MaxWatchStreamsPerUser)
	require.Equal(t, 2*time.Minute, c.HTTPIdleTimeout)
	require.Equal(t, time.Minute, c.RequestIdleTimeout)
	require.Equal(t, 30*time.Second, c.RequestBodyTimeout)
	require.Equal(t, 32, c.GitMaxRequests)
	require.Equal(t, 8, c.GitMaxRequestsPerClient)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SIGNALBOX_HTTP_IDLE_TIMEOUT":           "1m",
		"SIGNALBOX_REQUEST_IDLE_TIMEOUT":        "5s",
		"SIGNALBOX_REQUEST_BODY_TIMEOUT":        "0",
		"SIGNALBOX_GIT_MAX_REQUESTS":            "100",
		"SIGNALBOX_GIT_MAX_REQUESTS_PER_CLIENT": "3",
	}
	c, err := config.Parse([]string{"--request-idle-timeout", "250ms", "--git-max-requests-per-client=0"}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, time.Minute, c.HTTPIdleTimeout)
	require.Equal(t, 250*time.Millisecond, c.RequestIdleTimeout, "a flag beats the environment")
	require.Zero(t, c.RequestBodyTimeout, "0 turns a deadline off")
	require.Equal(t, 100, c.GitMaxRequests)
	require.Zero(t, c.GitMaxRequestsPerClient, "0 turns a bound off")
}

func TestEnvironmentThenFlags(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SIGNALBOX_LISTEN":                     "0.0.0.0:9000",
		"SIGNALBOX_REDIS_URL":                  "redis://r:6379/1",
		"SIGNALBOX_REDIS_AUTOPIPELINE":         "true",
		"SIGNALBOX_STATUS_CHECK_TIMEOUT":       "1m",
		"SIGNALBOX_ALLOW_LOCAL_NETWORK":        "false",
		"SIGNALBOX_EXTERNAL_URL":               "https://gate.example.test/",
		"SIGNALBOX_MAX_WATCH_STREAMS_PER_USER": "3",
		"SIGNALBOX_ADDR_FILE":                  "/run/signalbox/addr",
	}
	c, err := config.Parse([]string{"--listen", "127.0.0.1:7000", "--allow-local-network", "--status-check-timeout", "30s"}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:7000", c.Listen, "a flag beats the environment")
	require.Equal(t, "redis://r:6379/1", c.RedisURL)
	require.True(t, c.RedisAutoPipeline)
	require.Equal(t, 30*time.Second, c.StatusCheckTimeout)
	require.True(t, c.AllowLocalNetwork)
	require.Equal(t, "https://gate.example.test", c.ExternalURL)
	require.Equal(t, 3, c.MaxWatchStreamsPerUser, "from the environment")
	require.Equal(t, "/run/signalbox/addr", c.AddrFile, "from the environment")
	c, err = config.Parse([]string{"--max-watch-streams-per-user", "0"}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Zero(t, c.MaxWatchStreamsPerUser, "a flag beats the environment; 0 is no bound")
}

func TestBadValuesAreClear(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{
		"--status-check-timeout=soon":        "--status-check-timeout",
		"--allow-local-network=maybe":        "allow-local-network",
		"--redis-autopipeline=often":         "redis-autopipeline",
		"--external-url=ftp://x":             "--external-url",
		"--log-level=loud":                   "--log-level",
		"--request-idle-timeout=-1s":         "--request-idle-timeout",
		"--request-body-timeout=soon":        "--request-body-timeout",
		"--http-idle-timeout=x":              "--http-idle-timeout",
		"--git-max-requests=-1":              "--git-max-requests",
		"--git-max-requests-per-client=many": "--git-max-requests-per-client",
		"--max-watch-streams-per-user=-1":    "--max-watch-streams-per-user",
		"--max-watch-streams-per-user=many":  "--max-watch-streams-per-user",
	} {
		_, err := config.Parse([]string{args}, func(string) string { return "" }, io.Discard)
		require.ErrorContains(t, err, want)
	}
	_, err := config.Parse(nil, func(k string) string {
		return map[string]string{"SIGNALBOX_REDIS_AUTOPIPELINE": "often"}[k]
	}, io.Discard)
	require.ErrorContains(t, err, "SIGNALBOX_REDIS_AUTOPIPELINE: want true or false")
}
