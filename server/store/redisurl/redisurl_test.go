package redisurl_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/store/redisurl"
)

func TestParse(t *testing.T) {
	t.Parallel()
	t.Run("single", func(t *testing.T) {
		t.Parallel()
		tg, err := redisurl.Parse("redis://:pw@example.test:6380/2")
		require.NoError(t, err)
		require.Equal(t, redisurl.Single, tg.Topology)
		require.Equal(t, "example.test:6380", tg.Single.Addr)
		require.Equal(t, 2, tg.Single.DB)
		require.Equal(t, "pw", tg.Single.Password)
		require.Equal(t, 1, tg.Single.MaxConcurrentDials)
		require.Equal(t, redisurl.Wait{Replicas: 0, Timeout: time.Second}, tg.Wait)
	})
	t.Run("single waiting for a replica", func(t *testing.T) {
		t.Parallel()
		tg, err := redisurl.Parse("redis://example.test:6380/0?wait_replicas=2&wait_timeout=250ms&pool_size=7")
		require.NoError(t, err)
		require.Equal(t, redisurl.Wait{Replicas: 2, Timeout: 250 * time.Millisecond}, tg.Wait)
		require.Equal(t, 7, tg.Single.PoolSize)
	})
	t.Run("unix socket", func(t *testing.T) {
		t.Parallel()
		tg, err := redisurl.Parse("unix:///run/redis/redis.sock?db=3")
		require.NoError(t, err)
		require.Equal(t, "unix", tg.Single.Network)
		require.Equal(t, 3, tg.Single.DB)
	})
	t.Run("sentinel", func(t *testing.T) {
		t.Parallel()
		tg, err := redisurl.Parse("redis+sentinel://:secret@s1.test:26379,s2.test:26380,s3.test:26381/mymaster/4?sentinel_password=spw&dial_timeout=2s")
		require.NoError(t, err)
		require.Equal(t, redisurl.Sentinel, tg.Topology)
		f := tg.Failover
		require.Equal(t, []string{"s1.test:26379", "s2.test:26380", "s3.test:26381"}, f.SentinelAddrs)
		require.Equal(t, "mymaster", f.MasterName)
		require.Equal(t, 4, f.DB)
		require.Equal(t, "secret", f.Password, "the URL's password is the data nodes'")
		require.Equal(t, "spw", f.SentinelPassword)
		require.Equal(t, 2*time.Second, f.DialTimeout)
		require.Equal(t, 1, tg.Wait.Replicas, "under Sentinel, writes wait for a replica unless told not to")
	})
	t.Run("sentinel without waiting", func(t *testing.T) {
		t.Parallel()
		tg, err := redisurl.Parse("redis+sentinel://s1.test:26379/mymaster?wait_replicas=0")
		require.NoError(t, err)
		require.Equal(t, 0, tg.Wait.Replicas)
		require.Equal(t, 0, tg.Failover.DB)
	})
	t.Run("cluster", func(t *testing.T) {
		t.Parallel()
		tg, err := redisurl.Parse("redis+cluster://user:pw@n1.test:7000,n2.test:7001?max_redirects=5")
		require.NoError(t, err)
		require.Equal(t, redisurl.Cluster, tg.Topology)
		c := tg.ClusterOpts
		require.Equal(t, []string{"n1.test:7000", "n2.test:7001"}, c.Addrs)
		require.Equal(t, "user", c.Username)
		require.Equal(t, "pw", c.Password)
		require.Equal(t, 5, c.MaxRedirects)
	})
	for name, url := range map[string]string{
		"no scheme":                    "localhost:6379",
		"unknown scheme":               "memcached://localhost",
		"sentinel without master":      "redis+sentinel://s1.test:26379",
		"sentinel with a bad db":       "redis+sentinel://s1.test:26379/m/x",
		"address without port":         "redis+cluster://n1.test,n2.test:7001",
		"cluster with a path":          "redis+cluster://n1.test:7000/1",
		"cluster waiting for replicas": "redis+cluster://n1.test:7000?wait_replicas=1",
		"negative wait":                "redis://localhost:6379?wait_replicas=-1",
		"wait longer than a command":   "redis://localhost:6379?wait_replicas=1&wait_timeout=10s",
		"unknown option":               "redis+sentinel://s1.test:26379/m?colour=red",
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			t.Parallel()
			_, err := redisurl.Parse(url)
			require.Error(t, err)
			require.Contains(t, err.Error(), "--redis-url")
		})
	}
	t.Run("a refusal does not repeat the password", func(t *testing.T) {
		t.Parallel()
		_, err := redisurl.Parse("redis+sentinel://:hunter2@s1.test:26379/m?colour=red")
		require.Error(t, err)
		require.NotContains(t, err.Error(), "hunter2")
		_, err = redisurl.Parse("redis://:hunter2@local host:6379")
		require.Error(t, err)
		require.NotContains(t, err.Error(), "hunter2")
	})
}
