// Package redisurl turns --redis-url into a go-redis client: one server
// (redis://, rediss://, unix://), a primary found through Sentinel
// (redis+sentinel://) or a Redis Cluster (redis+cluster://). Whatever the
// topology, the store sees a redis.UniversalClient.
//
// The forms, besides go-redis's own redis:// and unix:// URLs:
//
//	redis+sentinel://[[user]:password@]host:port[,host:port...]/master[/db][?options]
//	redis+cluster://[[user]:password@]host:port[,host:port...][?options]
//
// (rediss+sentinel and rediss+cluster for TLS). The hosts are the
// sentinels, or the cluster's seed nodes; the password is the data nodes'
// one. Options are go-redis's query parameters (dial_timeout,
// pool_size, ...), plus:
//
//   - sentinel_password (and sentinel_username): the sentinels' own
//     credentials, when they differ;
//   - wait_replicas=N, wait_timeout=D: after every write, wait until N
//     replicas acknowledged it (Redis WAIT), at most D (default 1s); a write
//     they did not acknowledge in time fails. The default is 1 under
//     Sentinel, 0 elsewhere. See docs/deploy.md for what it costs.
package redisurl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Topology is how the Redis named by a URL is laid out.
type Topology string

const (
	Single   Topology = "single"
	Sentinel Topology = "sentinel"
	Cluster  Topology = "cluster"
)

// Target is a parsed --redis-url. Exactly one of Single, Failover and
// ClusterOpts is set, as Topology says.
type Target struct {
	Topology    Topology
	Single      *redis.Options
	Failover    *redis.FailoverOptions
	ClusterOpts *redis.ClusterOptions
	// Wait is how many replicas must acknowledge each write, and for how
	// long the server waits for them.
	Wait Wait
}

// Wait is the replication every write waits for (Redis WAIT).
type Wait struct {
	Replicas int
	Timeout  time.Duration
}

// Timeouts for every topology: a command that takes longer fails, so a
// request answers 503 instead of hanging on a server that stopped.
const (
	ioTimeout          = 5 * time.Second
	defaultWaitTimeout = time.Second
)

// Parse reads a --redis-url.
func Parse(raw string) (Target, error) {
	t, err := parse(raw)
	if err != nil {
		return Target{}, fmt.Errorf("--redis-url: %w", err)
	}
	return t, nil
}

func parse(raw string) (Target, error) {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return Target{}, errors.New("not a URL (want redis://, rediss://, unix://, redis+sentinel:// or redis+cluster://)")
	}
	switch scheme {
	case "redis", "rediss", "unix":
		return parseSingle(raw)
	case "redis+sentinel", "rediss+sentinel":
		return parseSentinel(raw)
	case "redis+cluster", "rediss+cluster":
		return parseCluster(raw)
	}
	return Target{}, fmt.Errorf("unknown scheme %q (want redis, rediss, unix, redis+sentinel or redis+cluster)", scheme)
}

func parseSingle(raw string) (Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, redact(err)
	}
	q := u.Query()
	hasWait := q.Has("wait_replicas") || q.Has("wait_timeout")
	wait, err := takeWait(q, 0)
	if err != nil {
		return Target{}, err
	}
	if hasWait {
		u.RawQuery = q.Encode()
		raw = u.String()
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return Target{}, redact(err)
	}
	opts.ReadTimeout, opts.WriteTimeout, opts.ContextTimeoutEnabled = ioTimeout, ioTimeout, true
	HonestDials(opts)
	return Target{Topology: Single, Single: opts, Wait: wait}, nil
}

func parseSentinel(raw string) (Target, error) {
	u, addrs, err := splitHosts(raw)
	if err != nil {
		return Target{}, err
	}
	path := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if len(path) == 0 || len(path) > 2 {
		return Target{}, errors.New("redis+sentinel:// needs the master's name as its path: redis+sentinel://host:port/mymaster[/db]")
	}
	q := u.Query()
	wait, err := takeWait(q, 1)
	if err != nil {
		return Target{}, err
	}
	sentinelUser, sentinelPassword := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	q.Set("master_name", path[0])
	if len(path) == 2 {
		q.Set("db", path[1])
	}
	opts, err := redis.ParseFailoverURL(plainURL(u, addrs, q).String())
	if err != nil {
		return Target{}, redact(err)
	}
	// go-redis reads the URL's user info as the sentinels' credentials;
	// here it is the data nodes' (as most Redis URLs mean it), and the
	// sentinels have their own options.
	opts.Username, opts.Password = userPassword(u)
	opts.SentinelUsername, opts.SentinelPassword = sentinelUser, sentinelPassword
	opts.ReadTimeout, opts.WriteTimeout, opts.ContextTimeoutEnabled = ioTimeout, ioTimeout, true
	opts.MaxConcurrentDials, opts.DialerRetries = 1, 1 // see HonestDials
	return Target{Topology: Sentinel, Failover: opts, Wait: wait}, nil
}

func parseCluster(raw string) (Target, error) {
	u, addrs, err := splitHosts(raw)
	if err != nil {
		return Target{}, err
	}
	if strings.Trim(u.Path, "/") != "" {
		return Target{}, errors.New("redis+cluster:// takes no path: a cluster has only database 0")
	}
	q := u.Query()
	wait, err := takeWait(q, 0)
	if err != nil {
		return Target{}, err
	}
	if wait.Replicas > 0 {
		// WAIT would have to run on the connection of each write, which
		// go-redis's cluster transactions do not let a hook do.
		return Target{}, errors.New("wait_replicas is not supported on redis+cluster:// (see docs/deploy.md)")
	}
	plain := plainURL(u, addrs, q)
	plain.User = u.User
	opts, err := redis.ParseClusterURL(plain.String())
	if err != nil {
		return Target{}, redact(err)
	}
	opts.ReadTimeout, opts.WriteTimeout, opts.ContextTimeoutEnabled = ioTimeout, ioTimeout, true
	opts.MaxConcurrentDials, opts.DialerRetries = 1, 1 // see HonestDials
	return Target{Topology: Cluster, ClusterOpts: opts, Wait: wait}, nil
}

// splitHosts parses a URL whose host part lists addresses separated by
// commas.
func splitHosts(raw string) (*url.URL, []string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, redact(err)
	}
	var addrs []string
	for a := range strings.SplitSeq(u.Host, ",") {
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || port == "" {
			return nil, nil, fmt.Errorf("address %q is not host:port", a)
		}
		addrs = append(addrs, a)
	}
	return u, addrs, nil
}

// plainURL is go-redis's spelling of a multi-address URL: the first address
// as the host, the others as addr parameters, and no user info.
func plainURL(u *url.URL, addrs []string, q url.Values) *url.URL {
	scheme := "redis"
	if strings.HasPrefix(u.Scheme, "rediss") {
		scheme = "rediss"
	}
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	return &url.URL{Scheme: scheme, Host: addrs[0], RawQuery: q.Encode()}
}

func userPassword(u *url.URL) (string, string) {
	if u.User == nil {
		return "", ""
	}
	p, _ := u.User.Password()
	return u.User.Username(), p
}

// takeWait removes the wait options from q.
func takeWait(q url.Values, replicas int) (Wait, error) {
	w := Wait{Replicas: replicas, Timeout: defaultWaitTimeout}
	if v := q.Get("wait_replicas"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Wait{}, fmt.Errorf("wait_replicas=%q: want a number of replicas, 0 or more", v)
		}
		w.Replicas = n
	}
	if v := q.Get("wait_timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d >= ioTimeout {
			return Wait{}, fmt.Errorf("wait_timeout=%q: want a duration above 0 and below %s", v, ioTimeout)
		}
		w.Timeout = d
	}
	q.Del("wait_replicas")
	q.Del("wait_timeout")
	return w, nil
}

// redact drops the URL from a parse error, since it may hold a password.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Client opens a client for t; closing it is the caller's.
func (t Target) Client() redis.UniversalClient {
	switch t.Topology {
	case Sentinel:
		c := redis.NewFailoverClient(t.Failover)
		t.wait(c)
		return c
	case Cluster:
		return redis.NewClusterClient(t.ClusterOpts)
	default:
		c := redis.NewClient(t.Single)
		t.wait(c)
		return c
	}
}

func (t Target) wait(c *redis.Client) {
	if t.Wait.Replicas > 0 {
		c.AddHook(&replicaWait{client: c, wait: t.Wait})
	}
}

// LogAttrs describe t for the log, without credentials.
func (t Target) LogAttrs() []any {
	attrs := []any{"topology", string(t.Topology)}
	switch t.Topology {
	case Sentinel:
		attrs = append(attrs, "sentinels", t.Failover.SentinelAddrs, "master", t.Failover.MasterName, "db", t.Failover.DB)
	case Cluster:
		attrs = append(attrs, "seeds", t.ClusterOpts.Addrs)
	default:
		attrs = append(attrs, "addr", t.Single.Addr, "db", t.Single.DB)
	}
	if t.Wait.Replicas > 0 {
		attrs = append(attrs, "wait_replicas", t.Wait.Replicas, "wait_timeout", t.Wait.Timeout.String())
	}
	return attrs
}

// HonestDials makes the connection pool dial one connection at a time, one
// attempt per dial, so that once a connection to a restarted Redis works,
// new ones do too, and /-/readiness cannot say 200 while requests are
// refused.
//
// go-redis's pool has a circuit breaker: after PoolSize failed dials it
// stops dialing and answers every request that needs a new connection with
// the last dial error, until its own probe, once a second, gets through.
// Meanwhile a dial already under way could still succeed once Redis was
// back (each dial tried 5 times, 100 ms apart, in the background) and park
// a working connection in the pool. Readiness pinged over that connection
// and said 200, while the other requests got the stale "connection
// refused", as 503s, for up to a second. With one dial at a time, the dial
// whose failure opens the breaker is the only one in flight, so no dial can
// succeed behind an open breaker; with one attempt per dial, a dial takes a
// single connect. A refused dial is still retried, as every command is
// (MaxRetries, with backoff). Connections are made one by one only while
// the pool grows, and a connect takes microseconds on a local socket.
func HonestDials(opts *redis.Options) {
	opts.MaxConcurrentDials = 1
	opts.DialerRetries = 1
}
