package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file starts Redis's distributed topologies from redis-server and
// redis-cli, on loopback TCP ports: a Cluster of three primaries and a
// primary with a replica under Sentinel. Tests that need one fail without
// redis-server and redis-cli under SIGNALBOX_REQUIRE_REDIS=1, and skip
// otherwise.

// node is one redis-server process of a topology.
type node struct {
	mu   sync.Mutex
	args []string
	dir  string
	port int
	cmd  *exec.Cmd
}

func (n *node) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

// start runs the node and waits until it answers PING.
func (n *node) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		return nil
	}
	cmd := exec.Command(n.args[0], n.args[1:]...)
	if err := cmd.Start(); err != nil {
		return err
	}
	c := redis.NewClient(&redis.Options{Addr: n.addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			stop(cmd)
			log, _ := os.ReadFile(filepath.Join(n.dir, "redis.log"))
			return fmt.Errorf("redis-server on %s did not answer within 10s; log:\n%s", n.addr(), log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	n.cmd = cmd
	return nil
}

// kill stops the node at once, as a crash would.
func (n *node) kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		stop(n.cmd)
		n.cmd = nil
	}
}

// topologyTools returns redis-server and redis-cli, or ends the test when
// they are missing.
func topologyTools(t testing.TB) (server, cli string) {
	t.Helper()
	server, err1 := exec.LookPath("redis-server")
	cli, err2 := exec.LookPath("redis-cli")
	if err1 != nil || err2 != nil {
		unavailable(t, "no redis-server or redis-cli to start a Redis Cluster or Sentinel: apt-get install -y redis-server")
	}
	return server, cli
}

// newNode prepares (without starting) a redis-server on a free loopback
// port, with its files in a directory of its own; extra are more
// arguments. It is killed when t ends.
func newNode(t testing.TB, server string, ports []int, extra ...string) *node {
	t.Helper()
	dir := t.TempDir()
	port := ports[0]
	args := append([]string{server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log"),
		// A replica's first sync starts at once, not after 5 s of waiting
		// for more replicas to share it.
		"--repl-diskless-sync-delay", "0"}, extra...)
	n := &node{args: args, dir: dir, port: port}
	t.Cleanup(n.kill)
	return n
}

// freePorts finds n loopback TCP ports nothing listens on now. Another
// process may take one before redis-server does; that fails the start
// loudly, and is rare.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// Cluster is a running Redis Cluster of three primaries (no replicas).
type Cluster struct {
	nodes []*node
}

// NewCluster starts a Redis Cluster of three primaries for t, created with
// redis-cli --cluster create, and waits until every node says the cluster
// is ok.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	server, cli := topologyTools(t)
	ports := freePorts(t, 6) // three client ports and three cluster bus ports
	c := &Cluster{}
	for i := range 3 {
		n := newNode(t, server, ports[i:], "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(ports[3+i]),
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		if err := n.start(); err != nil {
			t.Fatalf("redistest: %v", err)
		}
		c.nodes = append(c.nodes, n)
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.nodes {
		args = append(args, n.addr())
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	// Every node must know every slot's owner before a client that asks
	// any of them is sent to the right one.
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range c.nodes {
		rdb := redis.NewClient(&redis.Options{Addr: n.addr()})
		for {
			info, err := rdb.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384") {
				break
			}
			if time.Now().After(deadline) {
				rdb.Close()
				t.Fatalf("redistest: cluster not ok after 30s: %v\n%s", err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		rdb.Close()
	}
	return c
}

// URL is the cluster's --redis-url, naming every node as a seed.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.addr()
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// Client returns a cluster client closed when t ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.addr()
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ReadTimeout: 10 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Sentinel is a primary and a replica under one Sentinel that fails over
// quickly (the primary is down after 500 ms without an answer). One
// sentinel with a quorum of one is enough for a test; production wants
// three (docs/deploy.md).
type Sentinel struct {
	server   string
	primary  *node
	replica  *node
	sentinel *node
	// Master is the name the primary is monitored under.
	Master string
}

// NewSentinel starts a primary, its replica and a sentinel monitoring them,
// and waits until the sentinel knows the replica.
func NewSentinel(t testing.TB) *Sentinel {
	t.Helper()
	server, _ := topologyTools(t)
	ports := freePorts(t, 3)
	s := &Sentinel{server: server, Master: "signalbox"}
	s.primary = newNode(t, server, ports[0:])
	s.replica = newNode(t, server, ports[1:], "--replicaof", "127.0.0.1", strconv.Itoa(ports[0]))
	for _, n := range []*node{s.primary, s.replica} {
		if err := n.start(); err != nil {
			t.Fatalf("redistest: %v", err)
		}
	}
	waitOnline(t, s.primary)
	// A sentinel rewrites its configuration file, so it needs one.
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	config := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\n"+
		"sentinel monitor %s 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds %[4]s 500\n"+
		"sentinel failover-timeout %[4]s 5000\n"+
		"sentinel parallel-syncs %[4]s 1\n",
		ports[2], dir, filepath.Join(dir, "redis.log"), s.Master, ports[0])
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s.sentinel = &node{args: []string{server, conf, "--sentinel"}, dir: dir, port: ports[2]}
	t.Cleanup(s.sentinel.kill)
	if err := s.sentinel.start(); err != nil {
		t.Fatalf("redistest: sentinel: %v", err)
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.sentinel.addr()})
	defer sc.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		replicas, err := sc.Replicas(context.Background(), s.Master).Result()
		if err == nil && len(replicas) == 1 && strings.Contains(fmt.Sprint(replicas[0]), "flags:slave") &&
			!strings.Contains(fmt.Sprint(replicas[0]), "s_down") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: the sentinel does not see the replica after 30s: %v %v", replicas, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// waitOnline waits until primary's replica has finished its first sync,
// so that WAIT can count it.
func waitOnline(t testing.TB, primary *node) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: primary.addr()})
	defer rdb.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := rdb.Info(context.Background(), "replication").Result()
		if err == nil && strings.Contains(info, "state=online") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: the replica of %s is not online after 30s: %v\n%s", primary.addr(), err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// URL is the --redis-url that finds the primary through the sentinel, with
// extra query parameters (such as "wait_replicas=1") if any.
func (s *Sentinel) URL(query ...string) string {
	u := "redis+sentinel://" + s.sentinel.addr() + "/" + s.Master
	if len(query) > 0 {
		u += "?" + strings.Join(query, "&")
	}
	return u
}

// Client returns a failover client closed when t ends.
func (s *Sentinel) Client(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: s.Master, SentinelAddrs: []string{s.sentinel.addr()},
		ReadTimeout: 10 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Primary is the address the sentinel names as the primary now.
func (s *Sentinel) Primary(t testing.TB) string {
	t.Helper()
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.sentinel.addr()})
	defer sc.Close()
	addr, err := sc.GetMasterAddrByName(context.Background(), s.Master).Result()
	if err != nil {
		t.Fatalf("redistest: ask the sentinel for the primary: %v", err)
	}
	return net.JoinHostPort(addr[0], addr[1])
}

// FailOver kills the primary (SIGKILL), waits until the sentinel has
// promoted the replica, and starts the old primary again as the new
// primary's replica, so that writes waiting for a replica go on.
func (s *Sentinel) FailOver(t testing.TB) {
	t.Helper()
	old := s.primary
	old.kill()
	deadline := time.Now().Add(30 * time.Second)
	for s.Primary(t) != s.replica.addr() {
		if time.Now().After(deadline) {
			t.Fatal("redistest: the sentinel did not promote the replica within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.primary, s.replica = s.replica, old
	// The old primary comes back empty (it keeps no files), as the new
	// primary's replica, which is what the sentinel would make of it too.
	old.args = append(old.args, "--replicaof", "127.0.0.1", strconv.Itoa(s.primary.port))
	if err := old.start(); err != nil {
		t.Fatalf("redistest: restart the old primary: %v", err)
	}
	waitOnline(t, s.primary)
}
