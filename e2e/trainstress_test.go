package e2e_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	sbreceiver "github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// The stress test runs fixed seeds in make test; more explore:
//
//	go test ./e2e -run TestTrainStress -trainstress.seed 100 -trainstress.runs 20 -trainstress.mrs 30
var (
	stressSeed = flag.Uint64("trainstress.seed", 1, "first seed of the merge train stress test")
	stressRuns = flag.Int("trainstress.runs", 2, "how many seeds the merge train stress test runs, from -trainstress.seed")
	stressMRs  = flag.Int("trainstress.mrs", 12, "merge requests per stress run")
	// The strategies each seed runs under (train.Strategy names).
	stressStrategies = flag.String("trainstress.strategies", "gitlab,batched", "comma-separated merge train strategies each seed runs under")
)

// TestTrainStress is a seeded, model-based test of merge trains on the real
// binary: two replicas on one Redis and one data directory, and, while they
// run, random joins, cancels, CI results that arrive late, out of order and
// sometimes flaky, pushes to source branches and to the target, merges that
// skip the train, and SIGKILL of a replica. An oracle knows which merge
// requests are bad (they add a BAD-* file; CI fails any build holding
// one). Afterwards it checks what a user relies on:
//   - the target only ever held commits whose pipeline passed, or that a
//     person put there (pushes, merges that skipped the train);
//   - no merge request merged twice, or after a cancel was acknowledged;
//   - every merge request that left the train has exactly one note saying
//     why, and the reason is true; no good one was dropped for a failure
//     that was not its own;
//   - every good merge request left on the train merged.
//
// A failure names its seed.
func TestTrainStress(t *testing.T) {
	t.Parallel()
	for _, strategy := range strings.Split(*stressStrategies, ",") {
		for seed := *stressSeed; seed < *stressSeed+uint64(*stressRuns); seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", strategy, seed), func(t *testing.T) {
				t.Parallel()
				s := newStress(t, seed, *stressMRs, strategy)
				defer func() {
					if t.Failed() {
						t.Logf("merge train stress test failed with seed %d: go test ./e2e -run 'TestTrainStress/%s/seed%d$' -trainstress.strategies %s -trainstress.seed %d -trainstress.runs 1 -trainstress.mrs %d",
							seed, strategy, seed, strategy, seed, *stressMRs)
					}
				}()
				s.run()
				s.check()
			})
		}
	}
}

// stressMR is one merge request and what the test did to it.
type stressMR struct {
	iid    int64
	branch string
	bad    bool
	heads  []string // every head it had, oldest first
	// added: it was put on the train; cancel: the answer to its cancel
	// ("201", "406", "lost"); pushed: its source branch moved while on the
	// train; skipped: it was merged outside the train, landing skipSHA.
	added   bool
	cancel  string
	pushed  bool
	skipped bool
	skipSHA string
}

type stress struct {
	t    *testing.T
	seed uint64
	rng  *rand.Rand
	args []string
	data string // the data directory
	pid  int64
	work *gitrepotest.Worktree
	// strategy is the train's scheduling strategy, "gitlab" or "batched".
	strategy string

	mu       sync.Mutex
	replicas [2]*harness.Server
	pickRng  *rand.Rand // picks replicas; under mu
	down     [2]time.Time
	kills    int
	mrs      []*stressMR
	external map[string]bool // target heads the test pushed
	ci       *stressCI
}

func newStress(t *testing.T, seed uint64, n int, strategy string) *stress {
	redis := redistest.New(t)
	s := &stress{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x5eed)), pickRng: rand.New(rand.NewPCG(seed, 0x91c)),
		external: map[string]bool{}, data: t.TempDir(), strategy: strategy,
	}
	s.args = []string{"--redis-url", redis.URL(), "--data-dir", s.data, "--root-token", rootToken,
		"--allow-local-network", "--log-format", "json"}
	// One after the other: the first creates the data directory's key.
	s.replicas[0] = harness.Start(t, binary, nil, s.args...)
	s.replicas[1] = harness.Start(t, binary, nil, s.args...)
	gl := s.client()
	p, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("demo")})
	require.NoError(t, err)
	s.pid = p.ID
	mustAPI(t, s.replicas[0].URL, "PUT", "/api/v4/projects/"+itoa(p.ID), map[string]any{
		"merge_trains_enabled": true, "merge_pipelines_enabled": true, "max_pipelines_per_merge_train": 4,
	})
	mustAPI(t, s.replicas[0].URL, "PUT", "/api/v4/projects/"+itoa(p.ID)+"/merge_train_strategies", map[string]any{
		"strategy": strategy, "flake_retries": 1, "optimistic": true,
	})
	s.ci = newStressCI(t, s)
	_, _, err = gl.Projects.AddProjectHook(p.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(s.ci.URL), PipelineEvents: gitlab.Ptr(true), Token: gitlab.Ptr(s.ci.hookToken),
	})
	require.NoError(t, err)

	s.work = gitrepotest.NewWorktree(t)
	s.work.Git("remote", "add", "origin", s.remote())
	s.work.Checkout("main")
	s.external[s.work.Commit("init", map[string]string{"README": "hello\n"})] = true
	s.work.Git("push", "--quiet", "origin", "main")
	for i := range n {
		mr := &stressMR{branch: fmt.Sprintf("mr%02d", i), bad: s.rng.IntN(4) == 0}
		files := map[string]string{mr.branch + ".txt": "v1\n"}
		if mr.bad {
			files["BAD-"+mr.branch] = "breaks the build\n"
		}
		s.work.Branch(mr.branch, "main")
		mr.heads = append(mr.heads, s.work.Commit("work on "+mr.branch, files))
		s.work.Git("push", "--quiet", "origin", mr.branch)
		created, _, err := gl.MergeRequests.CreateMergeRequest(s.pid, &gitlab.CreateMergeRequestOptions{
			SourceBranch: gitlab.Ptr(mr.branch), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Add " + mr.branch),
		})
		require.NoError(t, err)
		mr.iid = created.IID
		_, _, err = gl.Commits.SetCommitStatus(s.pid, created.SHA, &gitlab.SetCommitStatusOptions{State: gitlab.Success, Name: gitlab.Ptr("test")})
		require.NoError(t, err)
		s.mrs = append(s.mrs, mr)
	}
	s.work.Checkout("main")
	return s
}

func (s *stress) remote() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.replicas {
		if r != nil {
			return strings.Replace(r.URL, "http://", "http://root:"+rootToken+"@", 1) + "/root/demo.git"
		}
	}
	return ""
}

// client is a GitLab client of a live replica, picked at random.
func (s *stress) client() *gitlab.Client {
	s.mu.Lock()
	var live []*harness.Server
	for _, r := range s.replicas {
		if r != nil {
			live = append(live, r)
		}
	}
	r := live[s.pickRng.IntN(len(live))]
	s.mu.Unlock()
	return gitlabClient(s.t, r.URL)
}

// call runs f against live replicas until one answers (a replica may be
// dying); lost reports whether an earlier try got no answer, so that what
// it did is unknown.
func (s *stress) call(f func(*gitlab.Client) (*gitlab.Response, error)) (res *gitlab.Response, lost bool, err error) {
	for try := 0; try < 20; try++ {
		res, err = f(s.client())
		if res != nil && res.StatusCode != http.StatusServiceUnavailable {
			return res, lost, err
		}
		lost = true
		time.Sleep(100 * time.Millisecond)
	}
	return res, lost, err
}

// run drives the chaos: every merge request joins, and random actions
// happen between joins and afterwards; then the chaos stops and the train
// is left to settle.
func (s *stress) run() {
	order := s.rng.Perm(len(s.mrs))
	deadline := time.Now().Add(time.Duration(len(s.mrs)) * 500 * time.Millisecond)
	for i := 0; i < len(order) || time.Now().Before(deadline); i++ {
		if i < len(order) {
			s.add(s.mrs[order[i]])
		}
		s.chaos()
		s.restart(false)
		time.Sleep(time.Duration(20+s.rng.IntN(200)) * time.Millisecond)
	}
	s.ci.calm()
	s.restart(true)
	s.settle()
}

// restart starts again a replica that was killed, once its time is up (or
// at once with now).
func (s *stress) restart(now bool) {
	for i := range s.replicas {
		s.mu.Lock()
		due := s.replicas[i] == nil && (now || time.Now().After(s.down[i]))
		s.mu.Unlock()
		if due {
			r := harness.Start(s.t, binary, nil, s.args...)
			s.mu.Lock()
			s.replicas[i] = r
			s.mu.Unlock()
		}
	}
}

func (s *stress) add(mr *stressMR) {
	res, _, err := s.call(func(gl *gitlab.Client) (*gitlab.Response, error) {
		_, res, err := gl.MergeTrains.AddMergeRequestToMergeTrain(s.pid, mr.iid, nil)
		return res, err
	})
	require.NotNil(s.t, res, "add !%d: %v", mr.iid, err)
	// 409: an earlier try whose answer was lost put it on already.
	require.Contains(s.t, []int{http.StatusCreated, http.StatusConflict}, res.StatusCode, "add !%d: %v", mr.iid, err)
	mr.added = true
}

// chaos does one random thing, or nothing.
func (s *stress) chaos() {
	switch n := s.rng.IntN(100); {
	case n < 10:
		if mr := s.pick(func(m *stressMR) bool { return m.added && m.cancel == "" && !m.pushed && !m.skipped }); mr != nil {
			s.cancel(mr)
		}
	case n < 15:
		if mr := s.pick(func(m *stressMR) bool { return m.added && m.cancel == "" && !m.pushed && !m.skipped }); mr != nil {
			s.pushSource(mr)
		}
	case n < 19:
		s.pushTarget()
	case n < 23:
		if mr := s.pick(func(m *stressMR) bool { return m.added && !m.bad && m.cancel == "" && !m.pushed && !m.skipped }); mr != nil {
			s.skipTrain(mr)
		}
	case n < 26:
		s.kill()
	}
}

func (s *stress) pick(ok func(*stressMR) bool) *stressMR {
	var fit []*stressMR
	for _, m := range s.mrs {
		if ok(m) {
			fit = append(fit, m)
		}
	}
	if len(fit) == 0 {
		return nil
	}
	return fit[s.rng.IntN(len(fit))]
}

func (s *stress) cancel(mr *stressMR) {
	res, lost, err := s.call(func(gl *gitlab.Client) (*gitlab.Response, error) {
		_, res, err := gl.MergeRequests.CancelMergeWhenPipelineSucceeds(s.pid, mr.iid)
		return res, err
	})
	require.NotNil(s.t, res, "cancel !%d: %v", mr.iid, err)
	switch {
	case lost:
		mr.cancel = "lost"
	case res.StatusCode == http.StatusCreated:
		mr.cancel = "201"
	case res.StatusCode == http.StatusNotAcceptable:
		mr.cancel = "406"
	default:
		require.Failf(s.t, "cancel", "!%d answered %d: %v", mr.iid, res.StatusCode, err)
	}
}

func (s *stress) pushSource(mr *stressMR) {
	s.work.Checkout(mr.branch)
	head := s.work.Commit("more on "+mr.branch, map[string]string{mr.branch + ".txt": "v2\n"})
	if _, err := s.work.TryGit("push", "--quiet", s.remote(), mr.branch); err != nil {
		s.work.Checkout("main")
		return // a replica went away mid-push; the push may not have landed
	}
	s.work.Checkout("main")
	mr.heads = append(mr.heads, head)
	mr.pushed = true
}

func (s *stress) pushTarget() {
	remote := s.remote()
	if _, err := s.work.TryGit("fetch", "--quiet", remote, "main"); err != nil {
		return // a replica went away mid-fetch
	}
	s.work.Git("checkout", "--quiet", "-B", "main", "FETCH_HEAD")
	head := s.work.Commit("outside the train", map[string]string{fmt.Sprintf("outside-%d.txt", len(s.external)): "x\n"})
	s.mu.Lock()
	s.external[head] = true
	s.mu.Unlock()
	_, _ = s.work.TryGit("push", "--quiet", remote, "main") // rejected when a merge landed first: fine
}

func (s *stress) skipTrain(mr *stressMR) {
	var merged *gitlab.MergeRequest
	res, _, err := s.call(func(gl *gitlab.Client) (*gitlab.Response, error) {
		m, res, err := gl.MergeRequests.AcceptMergeRequest(s.pid, mr.iid, nil)
		merged = m
		return res, err
	})
	if res != nil && res.StatusCode == http.StatusOK && merged != nil && merged.State == "merged" {
		mr.skipped, mr.skipSHA = true, merged.MergeCommitSHA
		return
	}
	// Refused (the train merged it first, or it is merging): fine.
	require.NotNil(s.t, res, "merge !%d: %v", mr.iid, err)
}

// kill sends SIGKILL to one replica (at most twice a run) and starts it
// again a little later.
func (s *stress) kill() {
	s.mu.Lock()
	if s.kills >= 2 || s.replicas[0] == nil || s.replicas[1] == nil {
		s.mu.Unlock()
		return
	}
	s.kills++
	i := s.rng.IntN(2)
	victim := s.replicas[i]
	s.replicas[i] = nil
	s.down[i] = time.Now().Add(time.Duration(300+s.rng.IntN(1500)) * time.Millisecond)
	s.mu.Unlock()
	victim.Kill()
}

// settle waits until no car is left on the train.
func (s *stress) settle() {
	var active []*gitlab.MergeTrain
	ok := false
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var err error
		active, _, err = s.client().MergeTrains.ListProjectMergeTrains(s.pid, &gitlab.ListMergeTrainsOptions{Scope: gitlab.Ptr("active")})
		if err == nil && len(active) == 0 {
			ok = true
			break
		}
	}
	require.True(s.t, ok, "the train never settled: %d cars left", len(active))
}

// check runs the oracle.
func (s *stress) check() {
	t := s.t
	gl := s.client()
	w := gitrepotest.NewWorktree(t)
	w.Git("fetch", "--quiet", s.remote(), "main")
	// Every commit main held, first parents from the newest.
	history := strings.Split(w.Git("log", "--first-parent", "--format=%H %P", "FETCH_HEAD"), "\n")
	passed := s.ci.passedSHAs()
	skipped := func(sha string) bool {
		return slices.ContainsFunc(s.mrs, func(mr *stressMR) bool { return mr.skipSHA == sha })
	}
	merges := map[string]int{} // MR head -> merges of it on main
	for _, line := range history {
		f := strings.Fields(line)
		sha := f[0]
		// A batch lands its cars' commits at once: main passes over the
		// ones inside it without holding them, which the reflog shows.
		if s.strategy == "gitlab" {
			require.True(t, s.external[sha] || skipped(sha) || passed[sha], "main held %s, which no pipeline passed and no person put there", sha)
		}
		if len(f) == 3 {
			merges[f[2]]++
		}
	}
	for _, sha := range s.mainReflog() {
		require.True(t, s.external[sha] || skipped(sha) || passed[sha], "the reflog shows main at %s, which no pipeline passed and no person put there", sha)
	}
	for _, mr := range s.mrs {
		got, _, err := gl.MergeRequests.GetMergeRequest(s.pid, mr.iid, nil)
		require.NoError(t, err)
		notes, _, err := gl.Notes.ListMergeRequestNotes(s.pid, mr.iid, &gitlab.ListMergeRequestNotesOptions{ListOptions: gitlab.ListOptions{PerPage: 100}})
		require.NoError(t, err)
		var drops []string
		for _, n := range notes {
			if strings.HasPrefix(n.Body, "removed this merge request from the merge train") {
				drops = append(drops, n.Body)
			}
		}
		landed := 0
		for _, h := range mr.heads {
			landed += merges[h]
		}
		what := fmt.Sprintf("!%d (bad=%v cancel=%q pushed=%v skipped=%v state=%s drops=%q)", mr.iid, mr.bad, mr.cancel, mr.pushed, mr.skipped, got.State, drops)
		require.LessOrEqual(t, landed, 1, "%s merged twice", what)
		require.LessOrEqual(t, len(drops), 1, "%s has more than one note saying why it left", what)
		require.Equal(t, got.State == "merged", landed == 1, "%s: merged state and main disagree", what)
		ownFailure := len(drops) == 1 && strings.Contains(drops[0], "because the pipeline did not succeed") && (mr.bad || s.ci.flakedFor(mr.iid))
		switch {
		case mr.skipped:
			require.True(t, len(drops) == 0 || ownFailure, "%s left the train by merging", what)
		case mr.cancel == "201":
			require.NotEqual(t, "merged", got.State, "%s merged after its cancel was acknowledged", what)
			require.Equal(t, []string{"removed this merge request from the merge train"}, drops, what)
		case mr.cancel == "406" || mr.cancel == "lost":
			// Its merge had started, or the answer was lost: it merged, or
			// it left once with a note.
			require.True(t, got.State == "merged" || len(drops) == 1, what)
		case mr.pushed:
			if got.State != "merged" { // the push may have come after it merged
				require.Len(t, drops, 1, what)
				require.True(t, ownFailure || strings.Contains(drops[0], "because the source branch was updated"), what)
			}
		case mr.bad:
			require.NotEqual(t, "merged", got.State, "%s: a bad merge request merged", what)
			require.Len(t, drops, 1, what)
			require.Contains(t, drops[0], "because the pipeline did not succeed", what)
		case len(drops) == 1:
			// A good merge request may leave only when its own build flaked.
			require.Contains(t, drops[0], "because the pipeline did not succeed", what)
			require.True(t, s.ci.flakedFor(mr.iid), "%s was dropped for a failure not its own", what)
		default:
			require.Equal(t, "merged", got.State, "%s: a good merge request left on the train did not merge", what)
		}
	}
	for i, r := range s.replicas {
		if r != nil {
			require.NotContains(t, r.Output(), "panic", "replica %d panicked", i)
		}
	}
	t.Log(s.summary())
}

// mainReflog lists every commit the server's main branch was moved to,
// from its reflog (the server keeps core.logAllRefUpdates on).
func (s *stress) mainReflog() []string {
	data, err := os.ReadFile(filepath.Join(s.data, "repositories", itoa(s.pid)+".git", "logs", "refs", "heads", "main"))
	require.NoError(s.t, err, "the reflog of main")
	var out []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.Trim(f[1], "0") != "" {
			out = append(out, f[1])
		}
	}
	require.NotEmpty(s.t, out, "the reflog of main is empty")
	return out
}

// summary counts what happened, so a run shows it tested something.
func (s *stress) summary() string {
	count := func(ok func(*stressMR) bool) int {
		n := 0
		for _, m := range s.mrs {
			if ok(m) {
				n++
			}
		}
		return n
	}
	s.ci.mu.Lock()
	passed, flaked, reports := len(s.ci.passed), len(s.ci.flaked), s.ci.reports
	s.ci.mu.Unlock()
	return fmt.Sprintf("seed %d: %d merge requests (%d bad); cancels 201=%d 406=%d lost=%d; %d source pushes, %d target pushes, %d merges skipping the train, %d replicas killed; CI: %d reports, %d train commits passed, %d merge requests flaked",
		s.seed, len(s.mrs), count(func(m *stressMR) bool { return m.bad }),
		count(func(m *stressMR) bool { return m.cancel == "201" }), count(func(m *stressMR) bool { return m.cancel == "406" }),
		count(func(m *stressMR) bool { return m.cancel == "lost" }), count(func(m *stressMR) bool { return m.pushed }),
		len(s.external)-1, count(func(m *stressMR) bool { return m.skipped }), s.kills, reports, passed, flaked)
}

// stressCI stands in for CI: it hears of train pipelines through the
// project hook, fetches each train commit, and after a random delay fails
// it when it holds a BAD-* file, or flakes it now and then, else passes it.
type stressCI struct {
	*httptest.Server
	hookToken string
	s         *stress

	mu      sync.Mutex
	steady  bool // no more flakes
	reports int
	passed  map[string]bool // train commits reported passed
	flaked  map[int64]bool  // merge requests with a flaked build
	rng     *rand.Rand
	work    *gitrepotest.Worktree
	gitMu   sync.Mutex
	done    sync.WaitGroup
}

func newStressCI(t *testing.T, s *stress) *stressCI {
	ci := &stressCI{
		hookToken: "stress-ci", s: s, passed: map[string]bool{}, flaked: map[int64]bool{},
		rng: rand.New(rand.NewPCG(s.seed, 0xc1)), work: gitrepotest.NewWorktree(t),
	}
	verifier := sbreceiver.NewVerifier([]byte(ci.hookToken))
	ci.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := verifier.Verify(r)
		if err != nil || r.Header.Get("X-Gitlab-Token") != ci.hookToken {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev struct {
			Attrs struct {
				ID     int64  `json:"id"`
				Ref    string `json:"ref"`
				SHA    string `json:"sha"`
				Status string `json:"status"`
			} `json:"object_attributes"`
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		m := trainRefRE.FindStringSubmatch(ev.Attrs.Ref)
		if ev.Attrs.Status != "created" || m == nil {
			return
		}
		iid, _ := strconv.ParseInt(m[1], 10, 64)
		ci.mu.Lock()
		delay := time.Duration(30+ci.rng.IntN(400)) * time.Millisecond
		flake := ci.rng.IntN(100) < 8
		ci.mu.Unlock()
		ci.done.Add(1)
		go func() {
			defer ci.done.Done()
			time.Sleep(delay)
			ci.report(ev.Attrs.ID, ev.Attrs.SHA, iid, flake)
		}()
	}))
	t.Cleanup(func() {
		ci.Server.Close()
		ci.done.Wait()
	})
	return ci
}

// calm stops flakes, for the end of a run.
func (ci *stressCI) calm() {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.steady = true
}

func (ci *stressCI) report(pipelineID int64, sha string, iid int64, flake bool) {
	bad, err := ci.holdsBad(sha)
	if err != nil {
		return // gone already: the car was rebuilt and this pipeline cancelled
	}
	state := gitlab.Success
	ci.mu.Lock()
	switch {
	case bad:
		state = gitlab.Failed
	case flake && !ci.steady:
		state = gitlab.Failed
		ci.flaked[iid] = true
	default:
		ci.passed[sha] = true
	}
	ci.reports++
	ci.mu.Unlock()
	_, _, _ = ci.s.call(func(gl *gitlab.Client) (*gitlab.Response, error) {
		_, res, err := gl.Commits.SetCommitStatus(ci.s.pid, sha, &gitlab.SetCommitStatusOptions{
			State: state, Name: gitlab.Ptr("test"), PipelineID: gitlab.Ptr(pipelineID),
		})
		return res, err
	})
}

// holdsBad fetches the train commits and says whether sha holds a bad merge
// request's file.
func (ci *stressCI) holdsBad(sha string) (bool, error) {
	ci.gitMu.Lock()
	defer ci.gitMu.Unlock()
	// A replica killed mid-fetch fails the fetch: try a live one again, so
	// a report is never lost (a screen, unlike a train commit, is not
	// rebuilt by later changes, and would wait for it forever).
	var err error
	for try := 0; try < 20; try++ {
		if _, err = ci.work.TryGit("fetch", "--quiet", ci.s.remote(), "+refs/merge-requests/*:refs/mr/*"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return false, err
	}
	out, err := ci.work.TryGit("ls-tree", "-r", "--name-only", sha)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(strings.Fields(out), func(f string) bool { return strings.HasPrefix(f, "BAD-") }), nil
}

func (ci *stressCI) passedSHAs() map[string]bool {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	out := make(map[string]bool, len(ci.passed))
	for k, v := range ci.passed {
		out[k] = v
	}
	return out
}

func (ci *stressCI) flakedFor(iid int64) bool {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	return ci.flaked[iid]
}

// trainRefRE matches the refs train pipelines test: a car's train commit,
// or a batched train's screen of one merge request alone.
var trainRefRE = regexp.MustCompile(`^refs/merge-requests/(\d+)/(?:train|screen)$`)
