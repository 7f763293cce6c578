package mergetrain_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/servertest"
)

// TestWatchMergeTrainShowsCarsMergingAndDropped follows one train over
// WatchMergeTrain while three cars join, the middle one's pipeline fails
// and the other two merge: the stream shows the cars in train order with
// their pipelines, then the two merged (newest first) and the dropped one
// with GitLab's reason, each change without being asked again.
func TestWatchMergeTrainShowsCarsMergingAndDropped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &gitlab.EditProjectOptions{})
	var mrs []*gitlab.MergeRequest
	for _, b := range []string{"a", "b", "c"} {
		mrs = append(mrs, f.openMR(t, b))
	}
	client, err := signalbox.New(f.srv.URL, signalbox.WithToken(servertest.RootToken))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	stream, err := client.MergeTrains.WatchMergeTrain(ctx, &signalboxv1.WatchMergeTrainRequest{Project: "root/demo", TargetBranch: "main"})
	require.NoError(t, err)
	defer stream.Close()
	next := func(what string, want func(*signalboxv1.WatchMergeTrainResponse) bool) *signalboxv1.WatchMergeTrainResponse {
		t.Helper()
		for {
			msg, err := stream.Receive()
			require.NoError(t, err, "the stream ended waiting for %s", what)
			if want(msg) {
				return msg
			}
		}
	}
	first := next("the empty train", func(*signalboxv1.WatchMergeTrainResponse) bool { return true })
	require.Empty(t, first.GetCars())
	require.True(t, first.GetMergeTrainsEnabled())

	for _, mr := range mrs {
		_, _, err := f.gl.MergeTrains.AddMergeRequestToMergeTrain(f.pid, mr.IID, &gitlab.AddMergeRequestToMergeTrainOptions{SHA: gitlab.Ptr(mr.SHA)})
		require.NoError(t, err)
	}
	p1 := f.ci.Latest(t, mrs[0].IID, 0, wait)
	p2 := f.ci.Latest(t, mrs[1].IID, 0, wait)
	p3 := f.ci.Latest(t, mrs[2].IID, 0, wait)
	running := next("three cars with pipelines", func(m *signalboxv1.WatchMergeTrainResponse) bool {
		if len(m.GetCars()) != 3 {
			return false
		}
		for _, c := range m.GetCars() {
			if c.GetPipeline() == nil {
				return false
			}
		}
		return true
	})
	for i, c := range running.GetCars() {
		require.Equal(t, mrs[i].IID, c.GetMergeRequest().GetIid(), "train order")
		require.Equal(t, "main", c.GetTargetBranch())
	}
	require.Equal(t, []int64{p1.ID, p2.ID, p3.ID},
		[]int64{running.GetCars()[0].GetPipeline().GetId(), running.GetCars()[1].GetPipeline().GetId(), running.GetCars()[2].GetPipeline().GetId()})

	f.ci.Decide(func(servertest.Pipeline) string { return "success" })
	f.ci.Report(p2, "failed")
	f.ci.Report(p1, "success")
	f.ci.Report(p3, "success")
	done := next("two merged and one dropped", func(m *signalboxv1.WatchMergeTrainResponse) bool {
		return len(m.GetCars()) == 0 && len(m.GetMerged()) == 2 && len(m.GetDropped()) == 1
	})
	require.Equal(t, mrs[2].IID, done.GetMerged()[0].GetMergeRequest().GetIid(), "newest merge first")
	require.Equal(t, mrs[0].IID, done.GetMerged()[1].GetMergeRequest().GetIid())
	for _, c := range done.GetMerged() {
		require.Equal(t, signalboxv1.MergeTrainCarStatus_MERGE_TRAIN_CAR_STATUS_MERGED, c.GetStatus())
	}
	dropped := done.GetDropped()[0]
	require.Equal(t, mrs[1].IID, dropped.GetCar().GetMergeRequest().GetIid())
	require.Equal(t, "pipeline_failed", dropped.GetReason())
	require.Equal(t, "the pipeline did not succeed.", dropped.GetMessage())
	require.NotNil(t, dropped.GetDropTime())
}
