package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/e2e/harness"
	"github.com/signalbox/signalbox/server/servertest"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// takeover starts replicas A (set to die with SIGKILL while building a car,
// holding the train) and B on one Redis, and adds merge requests until A is
// the one that builds and dies. It returns how long after A died B built
// the car: how long a crashed owner's train waits.
func takeover(t testing.TB) time.Duration {
	redis := redistest.New(t)
	args := []string{"--redis-url", redis.URL(), "--data-dir", t.TempDir(), "--root-token", rootToken,
		"--allow-local-network", "--log-format", "json"}
	a := harness.Start(t, binary, []string{"SIGNALBOX_CRASH_AT=train.build.piped"}, args...)
	b := harness.Start(t, binary, nil, args...)
	gl := gitlabClient(t, b.URL)
	// Merge requests join through A: the replica that takes a command wakes
	// its own train loop at once, so A is likely to hold the train (B wins
	// only when it happens to look first), even on a loaded machine.
	glA := gitlabClient(t, a.URL)
	p, _, err := gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("demo")})
	require.NoError(t, err)
	_, _, err = gl.Projects.EditProject(p.ID, &gitlab.EditProjectOptions{MergeTrainsEnabled: gitlab.Ptr(true), MergePipelinesEnabled: gitlab.Ptr(true)})
	require.NoError(t, err)
	ci := servertest.NewCI(t, b.URL, rootToken)
	_, _, err = gl.Projects.AddProjectHook(p.ID, &gitlab.AddProjectHookOptions{
		URL: gitlab.Ptr(ci.URL), PipelineEvents: gitlab.Ptr(true), Token: gitlab.Ptr(ci.HookToken),
	})
	require.NoError(t, err)
	branches := []string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"}
	pushBranches(t, b.URL, branches...)
	died := make(chan time.Time, 1)
	go func() {
		if _, exited := a.Wait(5 * time.Minute); exited {
			died <- time.Now()
		}
	}()
	for _, branch := range branches {
		mr := openGreenMR(t, gl, p.ID, branch)
		_, res, err := glA.MergeTrains.AddMergeRequestToMergeTrain(p.ID, mr.IID, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, res.StatusCode)
		var stored time.Time
		var car *gitlab.MergeTrain
		require.Eventually(t, func() bool {
			car, _, err = gl.MergeTrains.GetMergeRequestOnAMergeTrain(p.ID, mr.IID)
			stored = time.Now()
			return err == nil && car.Status == "fresh" && car.Pipeline != nil
		}, 30*time.Second, 5*time.Millisecond, "the car is built and stored")
		select {
		case at := <-died:
			// A created the car's pipeline and died before storing the car;
			// B built it again once A's lease lapsed.
			took := stored.Sub(at)
			// A's pipeline tests the same commit (a build on the same base
			// makes the same commit); no car waits for it any more, so B
			// cancels it, in the refresh after the build.
			var orphans, canceled int
			require.Eventually(t, func() bool {
				orphans, canceled = 0, 0
				for id := int64(1); id < car.Pipeline.ID; id++ {
					pl, _, err := gl.Pipelines.GetPipeline(p.ID, id)
					if err == nil && pl.SHA == car.Pipeline.SHA && pl.Ref == car.Pipeline.Ref {
						orphans++
						if pl.Status == "canceled" {
							canceled++
						}
					}
				}
				return orphans == 1 && canceled == 1
			}, 30*time.Second, 20*time.Millisecond, "A created one pipeline before it died, and B cancels it")
			return took
		default:
			// B built it: A never held the train this time; try again.
		}
	}
	t.Fatalf("replica A never built a car in %d tries", len(branches))
	return 0
}

// TestTrainOwnerCrashIsTakenOver: the replica that holds a train dies in the
// middle of a build; the other replica takes the train over by itself and
// builds the car. BenchmarkTrainTakeover measures how soon.
func TestTrainOwnerCrashIsTakenOver(t *testing.T) {
	t.Parallel()
	took := takeover(t)
	t.Logf("the train was taken over %v after its owner died", took.Round(time.Millisecond))
}

// BenchmarkTrainTakeover measures how long a train waits after its owner
// dies (the lease's 1.5 s, plus up to a loop tick):
//
//	go test ./e2e -run '^$' -bench TrainTakeover -benchtime 5x
func BenchmarkTrainTakeover(b *testing.B) {
	var total, worst time.Duration
	for b.Loop() {
		took := takeover(b)
		total += took
		worst = max(worst, took)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/takeover")
	b.ReportMetric(float64(worst.Milliseconds()), "ms-worst")
}
