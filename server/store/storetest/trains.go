package storetest

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testCars(t *testing.T, h Harness) {
	t.Run("OneCarPerMergeRequest", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		a, err := s.Cars().Create(ctx, &storagev1.Car{ProjectId: 1, TargetBranch: "main", MergeRequestIid: 3})
		require.NoError(t, err)
		_, err = s.Cars().Create(ctx, &storagev1.Car{ProjectId: 1, TargetBranch: "main", MergeRequestIid: 3})
		require.ErrorIs(t, err, store.ErrExists)
		b, err := s.Cars().Create(ctx, &storagev1.Car{ProjectId: 1, TargetBranch: "main", MergeRequestIid: 4})
		require.NoError(t, err)

		got, err := s.Cars().ForMergeRequest(ctx, 1, 3)
		require.NoError(t, err)
		require.Equal(t, a.GetId(), got.GetId())
		got.State = 3
		require.NoError(t, s.Cars().Update(ctx, got))
		all, err := s.Cars().List(ctx, 1)
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.EqualValues(t, 3, all[0].GetState())

		require.NoError(t, s.Cars().Delete(ctx, a))
		_, err = s.Cars().ForMergeRequest(ctx, 1, 3)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.Cars().Create(ctx, &storagev1.Car{ProjectId: 1, TargetBranch: "main", MergeRequestIid: 3})
		require.NoError(t, err, "a dropped merge request can join again")
		_, err = s.Cars().Get(ctx, 1, b.GetId())
		require.NoError(t, err)
	})
	t.Run("DirtyTrainsAreClaimedOnce", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		require.NoError(t, s.Cars().MarkDirty(ctx, 1, "main"))
		require.NoError(t, s.Cars().MarkDirty(ctx, 1, "main"))
		require.NoError(t, s.Cars().MarkDirty(ctx, 2, "release/1.0"))
		dirty, err := s.Cars().Dirty(ctx)
		require.NoError(t, err)
		require.ElementsMatch(t, []store.TrainRef{{ProjectID: 1, Branch: "main"}, {ProjectID: 2, Branch: "release/1.0"}}, dirty)
		var wins int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := s.Cars().ClaimDirty(ctx, store.TrainRef{ProjectID: 1, Branch: "main"})
				require.NoError(t, err)
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Equal(t, 1, wins)
	})
}

func testPipelines(t *testing.T, h Harness) {
	t.Run("PipelinesAndStatuses", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		a, err := s.Pipelines().Create(ctx, &storagev1.Pipeline{ProjectId: 1, Sha: "aaa", Ref: "main"})
		require.NoError(t, err)
		b, err := s.Pipelines().Create(ctx, &storagev1.Pipeline{ProjectId: 1, Sha: "aaa", Ref: "refs/merge-requests/1/train"})
		require.NoError(t, err)
		require.Equal(t, []int64{1, 2}, []int64{a.GetIid(), b.GetIid()})
		bySHA, err := s.Pipelines().ForSHA(ctx, 1, "aaa")
		require.NoError(t, err)
		require.Len(t, bySHA, 2)

		first, err := s.Pipelines().PutStatus(ctx, &storagev1.CommitStatus{ProjectId: 1, PipelineId: a.GetId(), Name: "test", Status: 3})
		require.NoError(t, err)
		again, err := s.Pipelines().PutStatus(ctx, &storagev1.CommitStatus{ProjectId: 1, PipelineId: a.GetId(), Name: "test", Status: 4})
		require.NoError(t, err)
		require.Equal(t, first.GetId(), again.GetId(), "the same job name updates its status")
		_, err = s.Pipelines().PutStatus(ctx, &storagev1.CommitStatus{ProjectId: 1, PipelineId: a.GetId(), Name: "lint", Status: 4})
		require.NoError(t, err)
		all, err := s.Pipelines().Statuses(ctx, 1, a.GetId())
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.EqualValues(t, 4, all[0].GetStatus())
	})
	t.Run("HooksAndNotes", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		hook, err := s.Hooks().Create(ctx, &storagev1.ProjectHook{ProjectId: 1, Url: "https://ci.example.test/"})
		require.NoError(t, err)
		list, err := s.Hooks().List(ctx, 1)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.NoError(t, s.Hooks().Delete(ctx, 1, hook.GetId()))
		require.ErrorIs(t, s.Hooks().Delete(ctx, 1, hook.GetId()), store.ErrNotFound)

		for _, body := range []string{"first", "second"} {
			_, err := s.Notes().Add(ctx, &storagev1.Note{ProjectId: 1, MergeRequestIid: 2, Body: body})
			require.NoError(t, err)
		}
		notes, err := s.Notes().List(ctx, 1, 2)
		require.NoError(t, err)
		require.Equal(t, "first", notes[0].GetBody())
		require.Equal(t, "second", notes[1].GetBody())
	})
}
