package statuscheck_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/config"
	"github.com/signalbox/signalbox/server/servertest"
)

var (
	retryRaceRounds = flag.Int("retry-race-rounds", 60, "TestRetryRacingAnswersKeepsTheLastAcknowledgedWrite: rounds")
	retryRaceSeed   = flag.Uint64("retry-race-seed", 1, "TestRetryRacingAnswersKeepsTheLastAcknowledgedWrite: seed of the rounds' actors")
)

// raceOp is one request of a round: a retry, or an answer with a status.
type raceOp struct {
	retry  bool
	status string // of an answer
	code   int    // what the server answered
}

func (o raceOp) String() string {
	if o.retry {
		return fmt.Sprintf("retry→%d", o.code)
	}
	return fmt.Sprintf("answer %s→%d", o.status, o.code)
}

// serialOutcomes is the oracle. A server that serialises the writers of a
// pair applies a round's requests one after another in some order; the
// requests of a round start together, so any order is possible. An order
// explains what the server answered when, replayed from the round's
// starting state, every request gets the code it got: an answer is always
// stored (201); a retry succeeds (202) only on a failed check, which it
// sets pending, and is refused (422) otherwise. The final state of the
// check must be what one such order leaves; serialOutcomes returns every
// such final state (none at all means no order explains the codes).
func serialOutcomes(start string, ops []raceOp) map[string]bool {
	out := map[string]bool{}
	idx := make([]int, len(ops))
	for i := range idx {
		idx[i] = i
	}
	var permute func(k int)
	permute = func(k int) {
		if k == len(idx) {
			state := start
			for _, i := range idx {
				op := ops[i]
				switch {
				case !op.retry && op.code == http.StatusCreated:
					state = op.status
				case op.retry && state == "failed" && op.code == http.StatusAccepted:
					state = "pending"
				case op.retry && state != "failed" && op.code == http.StatusUnprocessableEntity:
				default:
					return // this order does not explain the codes
				}
			}
			out[state] = true
			return
		}
		for i := k; i < len(idx); i++ {
			idx[k], idx[i] = idx[i], idx[k]
			permute(k + 1)
			idx[k], idx[i] = idx[i], idx[k]
		}
	}
	permute(0)
	return out
}

func TestSerialOutcomes(t *testing.T) {
	t.Parallel()
	// Retry acknowledged, then the answer: the answer stands.
	require.Equal(t, map[string]bool{"passed": true},
		serialOutcomes("failed", []raceOp{{retry: true, code: 202}, {status: "passed", code: 201}}))
	// The answer first: the retry must be refused.
	require.Equal(t, map[string]bool{"passed": true},
		serialOutcomes("failed", []raceOp{{retry: true, code: 422}, {status: "passed", code: 201}}))
	// A failed answer and a retry may go either way.
	require.Equal(t, map[string]bool{"failed": true, "pending": true},
		serialOutcomes("failed", []raceOp{{retry: true, code: 202}, {status: "failed", code: 201}}))
	// Two acknowledged retries cannot both have seen a failed check.
	require.Empty(t, serialOutcomes("failed", []raceOp{{retry: true, code: 202}, {retry: true, code: 202}}))
}

// TestRetryRacingAnswersKeepsTheLastAcknowledgedWrite races retries of a
// failed check against answers for it, through the REST door on a real
// Redis, round after round. After each round the check's status must be
// what some serial order of the round's requests, consistent with every
// code the server answered, leaves (see serialOutcomes). Retry used to read
// the newest response and then write pending unconditionally: an answer
// "passed" acknowledged in between was overwritten, and the check stayed
// pending although the retry had answered 202 before it and the answer 201
// after it. The actors of each round come from a seed; -retry-race-rounds
// and -retry-race-seed explore more.
func TestRetryRacingAnswersKeepsTheLastAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(receiver.Close)
	srv := servertest.New(t, servertest.WithConfig(func(c *config.Config) { c.AllowLocalNetwork = true }))
	srv.Root(t, "POST", "/api/v4/projects", map[string]any{"name": "demo"}, nil)
	w := srv.Clone(t, "root/demo")
	w.Push("main", "", map[string]string{"README": "hello\n"})
	sha := w.Push("feature", "main", map[string]string{"app": "v1\n"})
	var check struct {
		ID int64 `json:"id"`
	}
	srv.Root(t, "POST", "/api/v4/projects/1/external_status_checks", map[string]any{"name": "ci", "external_url": receiver.URL}, &check)
	srv.Root(t, "POST", "/api/v4/projects/1/merge_requests",
		map[string]any{"source_branch": "feature", "target_branch": "main", "title": "Add app"}, nil)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	post := func(path string, body any) (int, error) {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/projects/1/merge_requests/1"+path, bytes.NewReader(b))
		if err != nil {
			return 0, err
		}
		req.Header.Set("PRIVATE-TOKEN", servertest.RootToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, err = io.Copy(io.Discard, res.Body)
		return res.StatusCode, err
	}
	answer := func(status string) (int, error) {
		return post("/status_check_responses", map[string]any{"sha": sha, "external_status_check_id": check.ID, "status": status})
	}
	retry := func() (int, error) { return post(fmt.Sprintf("/status_checks/%d/retry", check.ID), map[string]any{}) }
	statusNow := func() string {
		var checks []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		srv.Root(t, "GET", "/api/v4/projects/1/merge_requests/1/status_checks", nil, &checks)
		for _, c := range checks {
			if c.ID == check.ID {
				return c.Status
			}
		}
		t.Fatal("the check is not listed")
		return ""
	}

	rnd := rand.New(rand.NewPCG(*retryRaceSeed, 0))
	statuses := []string{"passed", "passed", "failed", "pending"}
	for round := range *retryRaceRounds {
		// The round's actors: a retry, sometimes two, and one or two answers.
		ops := []raceOp{{retry: true}}
		if rnd.IntN(4) == 0 {
			ops = append(ops, raceOp{retry: true})
		}
		for range 1 + rnd.IntN(2) {
			ops = append(ops, raceOp{status: statuses[rnd.IntN(len(statuses))]})
		}
		rnd.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })

		code, err := answer("failed")
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, code)
		start := make(chan struct{})
		errs := make([]error, len(ops))
		var wg sync.WaitGroup
		for i := range ops {
			wg.Go(func() {
				<-start
				if ops[i].retry {
					ops[i].code, errs[i] = retry()
				} else {
					ops[i].code, errs[i] = answer(ops[i].status)
				}
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "round %d (seed %d), %s", round, *retryRaceSeed, ops[i])
		}
		got := statusNow()
		want := serialOutcomes("failed", ops)
		require.NotEmpty(t, want, "round %d (seed %d): no serial order gives the codes %v", round, *retryRaceSeed, ops)
		require.True(t, want[got], "round %d (seed %d): after %v the check is %s; a serial order leaves one of %v",
			round, *retryRaceSeed, ops, got, strings.Join(slices.Sorted(mapKeys(want)), ", "))
	}
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
