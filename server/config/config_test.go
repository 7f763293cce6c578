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
	require.Equal(t, "./data", c.DataDir)
	require.Empty(t, c.RedisURL)
	require.False(t, c.RedisAutoPipeline, "the autopipeliner is experimental, so opt-in")
	require.Empty(t, c.RootToken)
	require.Equal(t, 2*time.Minute, c.StatusCheckTimeout)
	require.False(t, c.AllowLocalNetwork)
	require.Empty(t, c.ExternalURL)
	require.Equal(t, slog.LevelInfo, c.LogLevel)
	require.Equal(t, config.DefaultMaxWatchStreamsPerUser, c.MaxWatchStreamsPerUser)
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
	c, err = config.Parse([]string{"--max-watch-streams-per-user", "0"}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Zero(t, c.MaxWatchStreamsPerUser, "a flag beats the environment; 0 is no bound")
}

func TestBadValuesAreClear(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{
		"--status-check-timeout=soon":       "--status-check-timeout",
		"--allow-local-network=maybe":       "allow-local-network",
		"--redis-autopipeline=often":        "redis-autopipeline",
		"--external-url=ftp://x":            "--external-url",
		"--log-level=loud":                  "--log-level",
		"--max-watch-streams-per-user=-1":   "--max-watch-streams-per-user",
		"--max-watch-streams-per-user=many": "--max-watch-streams-per-user",
	} {
		_, err := config.Parse([]string{args}, func(string) string { return "" }, io.Discard)
		require.ErrorContains(t, err, want)
	}
	_, err := config.Parse(nil, func(k string) string {
		return map[string]string{"SIGNALBOX_REDIS_AUTOPIPELINE": "often"}[k]
	}, io.Discard)
	require.ErrorContains(t, err, "SIGNALBOX_REDIS_AUTOPIPELINE: want true or false")
}
