//go:build unix

package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// The scenario of two replicas on Redis's distributed topologies, started
// from redis-server on this machine (see redistest.NewCluster and
// NewSentinel), and a Sentinel failover under load.

func TestTwoReplicasOnRedisCluster(t *testing.T) {
	t.Parallel()
	twoReplicas(t, redistest.NewCluster(t).URL())
}

func TestTwoReplicasOnRedisSentinel(t *testing.T) {
	t.Parallel()
	twoReplicas(t, redistest.NewSentinel(t).URL())
}

// TestSentinelFailoverLosesNoAcknowledgedResponse: two replicas of the
// server find their Redis primary through Sentinel, and clients post
// status check responses to both. The primary is killed (SIGKILL); Sentinel
// promotes its replica. Every response a server acknowledged before, during
// and after the failover is still what the servers show, because every
// write waited for the replica (wait_replicas, on by default under
// Sentinel) before the server answered; and both servers serve again
// without a restart.
func TestSentinelFailoverLosesNoAcknowledgedResponse(t *testing.T) {
	t.Parallel()
	sentinel := redistest.NewSentinel(t)
	dataDir := t.TempDir()
	args := []string{"--redis-url", sentinel.URL(), "--data-dir", dataDir, "--root-token", rootToken,
		"--allow-local-network", "--log-format", "json"}
	a := harness.Start(t, binary, nil, args...)
	b := harness.Start(t, binary, nil, args...)
	clients := []rootClient{newRootClient(a.URL), newRootClient(b.URL)}
	recv := newCountingReceiver(t)

	const mrs, checks = 4, 2
	mustAPI(t, a.URL, "POST", "/api/v4/projects", map[string]any{"name": "demo"})
	checkIDs := make([]int64, checks)
	for i := range checkIDs {
		checkIDs[i] = createCheck(t, a.URL, map[string]any{"name": fmt.Sprintf("c%d", i), "external_url": fmt.Sprintf("%s/c%d", recv.URL, i)})
	}
	branches := make([]string, mrs)
	for i := range branches {
		branches[i] = fmt.Sprintf("f%d", i)
	}
	pushBranches(t, a.URL, branches...)
	var pairs []*responsePair
	for i, br := range branches {
		mustAPI(t, a.URL, "POST", "/api/v4/projects/1/merge_requests", map[string]any{"source_branch": br, "target_branch": "main", "title": br})
		sha := mrSHA(t, a.URL, i+1)
		for _, check := range checkIDs {
			pairs = append(pairs, &responsePair{iid: i + 1, check: check, sha: sha})
		}
	}

	load, stop := context.WithCancel(t.Context())
	var posting sync.WaitGroup
	for i, p := range pairs {
		posting.Go(func() { p.post(load, clients[i%2]) })
	}
	t.Cleanup(func() {
		stop()
		posting.Wait()
	})
	require.Eventually(t, func() bool { return every(pairs, func(acks, _ int) bool { return acks >= 3 }) }, 20*time.Second, 10*time.Millisecond,
		"load before the failover")
	before := sentinel.Primary(t)
	sentinel.FailOver(t)
	require.NotEqual(t, before, sentinel.Primary(t))

	counts := map[*responsePair]int{}
	for _, p := range pairs {
		counts[p], _ = p.counts()
	}
	require.Eventually(t, func() bool {
		for _, p := range pairs {
			if acks, _ := p.counts(); acks < counts[p]+3 {
				return false
			}
		}
		return true
	}, 30*time.Second, 10*time.Millisecond, "responses are acknowledged again after the failover, by both servers")
	stop()
	posting.Wait()
	var acks, fails int
	for _, p := range pairs {
		a, f := p.counts()
		acks, fails = acks+a, fails+f
	}
	t.Logf("%d responses acknowledged, %d refused with 503 during the failover", acks, fails)
	for _, c := range clients {
		require.Equal(t, http.StatusOK, c.ready())
		for _, p := range pairs {
			p.requireStored(t, c)
		}
	}
}
