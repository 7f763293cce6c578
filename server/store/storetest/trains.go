package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testTrains(t *testing.T, h Harness) {
	main := store.TrainRef{ProjectID: 1, Branch: "main"}
	t.Run("VersionsCommitOnce", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		v0, err := s.Trains().Load(ctx, main)
		require.NoError(t, err)
		require.Zero(t, v0.GetVersion(), "a train that never had a car")
		require.Equal(t, "main", v0.GetTargetBranch())

		v1 := next(v0, "one")
		require.NoError(t, s.Trains().Commit(ctx, v1))
		require.ErrorIs(t, s.Trains().Commit(ctx, next(v0, "other")), store.ErrConflict,
			"a second writer of the same version loses")
		got, err := s.Trains().Load(ctx, main)
		require.NoError(t, err)
		require.Equal(t, "one", got.GetId())
		require.EqualValues(t, 1, got.GetVersion())

		for i := range 40 { // past the trimmed index
			cur, err := s.Trains().Load(ctx, main)
			require.NoError(t, err)
			require.NoError(t, s.Trains().Commit(ctx, next(cur, fmt.Sprint("v", i))))
		}
		got, err = s.Trains().Load(ctx, main)
		require.NoError(t, err)
		require.EqualValues(t, 41, got.GetVersion())
		require.Equal(t, "v39", got.GetId())
		branches, err := s.Trains().Branches(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, []string{"main"}, branches)
	})
	t.Run("ConcurrentWritersOneWinsEachVersion", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		for round := range 10 {
			cur, err := s.Trains().Load(ctx, main)
			require.NoError(t, err)
			var wins atomic.Int32
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					err := s.Trains().Commit(ctx, next(cur, fmt.Sprintf("r%d-w%d", round, w)))
					if err == nil {
						wins.Add(1)
						return
					}
					require.ErrorIs(t, err, store.ErrConflict)
				})
			}
			wg.Wait()
			require.EqualValues(t, 1, wins.Load(), "round %d", round)
		}
	})
	t.Run("ABranchNameCannotReachAnotherTrain", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		odd := store.TrainRef{ProjectID: 1, Branch: "main:v:1"}
		v0, err := s.Trains().Load(ctx, main)
		require.NoError(t, err)
		require.NoError(t, s.Trains().Commit(ctx, next(v0, "main")))
		o0, err := s.Trains().Load(ctx, odd)
		require.NoError(t, err)
		require.Zero(t, o0.GetVersion())
		require.NoError(t, s.Trains().Commit(ctx, next(o0, "odd")))
		got, err := s.Trains().Load(ctx, main)
		require.NoError(t, err)
		require.Equal(t, "main", got.GetId())
		branches, err := s.Trains().Branches(ctx, 1)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"main", "main:v:1"}, branches)
	})
	t.Run("CommandsAreQueuedWithTheMergeRequest", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		mr, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: 1, Title: "a"})
		require.NoError(t, err)
		require.NoError(t, s.Trains().Clean(ctx, 1))
		mr.AutoMergeStrategy = "merge_train"
		join, err := s.Trains().Submit(ctx, main, &storagev1.TrainCommand{Kind: &storagev1.TrainCommand_Join{Join: &storagev1.JoinTrain{MergeRequestIid: mr.GetIid()}}}, mr)
		require.NoError(t, err)
		leave, err := s.Trains().Submit(ctx, main, &storagev1.TrainCommand{Kind: &storagev1.TrainCommand_Leave{Leave: &storagev1.LeaveTrain{MergeRequestIid: mr.GetIid()}}}, nil)
		require.NoError(t, err)
		require.Less(t, join.GetId(), leave.GetId())
		got, err := s.MergeRequests().Get(ctx, 1, mr.GetIid())
		require.NoError(t, err)
		require.Equal(t, "merge_train", got.GetAutoMergeStrategy())
		cmds, err := s.Trains().Commands(ctx, main)
		require.NoError(t, err)
		require.Len(t, cmds, 2)
		require.NotNil(t, cmds[0].GetJoin())
		require.NotNil(t, cmds[1].GetLeave())
		dirty, err := s.Trains().Dirty(ctx)
		require.NoError(t, err)
		require.Equal(t, []int64{1}, dirty, "a command marks its project")

		require.NoError(t, s.Trains().Forget(ctx, main, []int64{join.GetId()}))
		cmds, err = s.Trains().Commands(ctx, main)
		require.NoError(t, err)
		require.Len(t, cmds, 1)
		require.NoError(t, s.Trains().Forget(ctx, main, []int64{leave.GetId()}))
		cmds, err = s.Trains().Commands(ctx, main)
		require.NoError(t, err)
		require.Empty(t, cmds)
	})
	t.Run("WritesThatMoveTrainsMarkTheProject", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		mark := func(name string, write func()) {
			t.Helper()
			require.NoError(t, s.Trains().Clean(ctx, 7))
			before, err := s.Trains().News(ctx, 7)
			require.NoError(t, err)
			write()
			dirty, err := s.Trains().Dirty(ctx)
			require.NoError(t, err)
			require.Equal(t, []int64{7}, dirty, name)
			after, err := s.Trains().News(ctx, 7)
			require.NoError(t, err)
			require.Greater(t, after, before, "%s counts as news", name)
		}
		var mr *storagev1.MergeRequest
		mark("merge request created", func() {
			var err error
			mr, err = s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: 7})
			require.NoError(t, err)
		})
		mark("merge request updated", func() { require.NoError(t, s.MergeRequests().Update(ctx, mr)) })
		var pl *storagev1.Pipeline
		mark("pipeline created", func() {
			var err error
			pl, err = s.Pipelines().Create(ctx, &storagev1.Pipeline{ProjectId: 7, Sha: "abc"})
			require.NoError(t, err)
		})
		mark("pipeline updated", func() { require.NoError(t, s.Pipelines().Update(ctx, pl)) })
		mark("commit status", func() {
			_, err := s.Pipelines().PutStatus(ctx, &storagev1.CommitStatus{ProjectId: 7, PipelineId: pl.GetId(), Name: "test"})
			require.NoError(t, err)
		})
		mark("status check response", func() {
			_, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 7, MergeRequestIid: mr.GetIid(), CheckId: 1, Sha: "abc", Status: 2})
			require.NoError(t, err)
		})
		mark("status check timed out", func() {
			_, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 7, MergeRequestIid: mr.GetIid(), CheckId: 2, Sha: "abc",
				Status: int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING), Deadline: timestamppb.New(time.UnixMilli(1000))})
			require.NoError(t, err)
			require.NoError(t, s.Trains().Clean(ctx, 7))
			due, err := s.Responses().Due(ctx, time.UnixMilli(2000), 10)
			require.NoError(t, err)
			require.Len(t, due, 1)
			won, err := s.Responses().ClaimDue(ctx, due[0])
			require.NoError(t, err)
			require.True(t, won)
		})
		mark("explicit", func() { require.NoError(t, s.Trains().MarkDirty(ctx, 7)) })
		require.NoError(t, s.Trains().Clean(ctx, 7))
		dirty, err := s.Trains().Dirty(ctx)
		require.NoError(t, err)
		require.Empty(t, dirty)
	})
	t.Run("ArmedMergeRequestsAreIndexed", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		var mrs []*storagev1.MergeRequest
		for range 3 {
			mr, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: 1})
			require.NoError(t, err)
			mrs = append(mrs, mr)
		}
		mrs[0].AutoMergeStrategy = "merge_when_checks_pass"
		mrs[1].AutoMergeStrategy = "merge_train"
		mrs[2].AutoMergeStrategy = "add_to_merge_train_when_checks_pass"
		for _, mr := range mrs {
			require.NoError(t, s.MergeRequests().Update(ctx, mr))
		}
		armed, err := s.MergeRequests().Armed(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, []int64{mrs[0].GetIid(), mrs[2].GetIid()}, armed, "on a train is not armed")
		mrs[0].AutoMergeStrategy = ""
		require.NoError(t, s.MergeRequests().Update(ctx, mrs[0]))
		mrs[2].AutoMergeStrategy = "merge_train"
		_, err = s.Trains().Submit(ctx, main, &storagev1.TrainCommand{}, mrs[2])
		require.NoError(t, err)
		armed, err = s.MergeRequests().Armed(ctx, 1)
		require.NoError(t, err)
		require.Empty(t, armed)
	})
	t.Run("ArchivedCars", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		a, err := s.Trains().NextCarID(ctx)
		require.NoError(t, err)
		b, err := s.Trains().NextCarID(ctx)
		require.NoError(t, err)
		require.Less(t, a, b)
		require.NoError(t, s.Trains().Archive(ctx, 1, []*storagev1.Car{{Id: b, MergeRequestIid: 2}, {Id: a, MergeRequestIid: 1}}))
		require.NoError(t, s.Trains().Archive(ctx, 1, []*storagev1.Car{{Id: a, MergeRequestIid: 1}}), "archiving twice is harmless")
		all, err := s.Trains().Archived(ctx, 1)
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Equal(t, a, all[0].GetId())
		none, err := s.Trains().Archived(ctx, 2)
		require.NoError(t, err)
		require.Empty(t, none)
	})
}

// next is the version after cur, with id.
func next(cur *storagev1.Train, id string) *storagev1.Train {
	n := proto.CloneOf(cur)
	n.Version, n.ParentId, n.Id = cur.GetVersion()+1, cur.GetId(), id
	return n
}

func testNotes(t *testing.T, h Harness) {
	t.Run("KeyedNotesAreWrittenOnce", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		empty, err := s.Notes().List(ctx, 1, 2)
		require.NoError(t, err, "a merge request without notes")
		require.Empty(t, empty)
		var wg sync.WaitGroup
		ids := make([]int64, 8)
		for i := range ids {
			wg.Go(func() {
				n, err := s.Notes().Add(ctx, &storagev1.Note{ProjectId: 1, MergeRequestIid: 2, Body: "dropped"}, "drop:5")
				require.NoError(t, err)
				ids[i] = n.GetId()
			})
		}
		wg.Wait()
		for _, id := range ids {
			require.Equal(t, ids[0], id, "every writer gets the one note")
		}
		_, err = s.Notes().Add(ctx, &storagev1.Note{ProjectId: 1, MergeRequestIid: 2, Body: "plain"}, "")
		require.NoError(t, err)
		_, err = s.Notes().Add(ctx, &storagev1.Note{ProjectId: 1, MergeRequestIid: 2, Body: "plain"}, "")
		require.NoError(t, err)
		notes, err := s.Notes().List(ctx, 1, 2)
		require.NoError(t, err)
		require.Len(t, notes, 3)
		require.Equal(t, "dropped", notes[0].GetBody())
		require.Equal(t, ids[0], notes[0].GetId())
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
	t.Run("NotesInOrder", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		for _, body := range []string{"first", "second"} {
			_, err := s.Notes().Add(ctx, &storagev1.Note{ProjectId: 1, MergeRequestIid: 2, Body: body}, "")
			require.NoError(t, err)
		}
		notes, err := s.Notes().List(ctx, 1, 2)
		require.NoError(t, err)
		require.Equal(t, "first", notes[0].GetBody())
		require.Equal(t, "second", notes[1].GetBody())
	})
}

func testHooks(t *testing.T, h Harness) {
	t.Run("CreateGetListUpdateDelete", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		none, err := s.Hooks().List(ctx, 1)
		require.NoError(t, err, "a project without hooks")
		require.Empty(t, none)
		_, err = s.Hooks().Get(ctx, 1, 1)
		require.ErrorIs(t, err, store.ErrNotFound)
		hook, err := s.Hooks().Create(ctx, &storagev1.ProjectHook{ProjectId: 1, Url: "https://ci.example.test/", PipelineEvents: true})
		require.NoError(t, err)
		other, err := s.Hooks().Create(ctx, &storagev1.ProjectHook{ProjectId: 2, Url: "https://other.example.test/"})
		require.NoError(t, err)
		require.NotEqual(t, hook.GetId(), other.GetId(), "hook ids are global")
		got, err := s.Hooks().Get(ctx, 1, hook.GetId())
		require.NoError(t, err)
		require.True(t, proto.Equal(hook, got))
		_, err = s.Hooks().Get(ctx, 1, other.GetId())
		require.ErrorIs(t, err, store.ErrNotFound, "another project's hook")
		list, err := s.Hooks().List(ctx, 1)
		require.NoError(t, err)
		require.Len(t, list, 1)
		changed := proto.CloneOf(hook)
		changed.Url, changed.PipelineEvents = "https://ci2.example.test/", false
		require.NoError(t, s.Hooks().Update(ctx, changed))
		got, err = s.Hooks().Get(ctx, 1, hook.GetId())
		require.NoError(t, err)
		require.Equal(t, "https://ci2.example.test/", got.GetUrl())
		require.False(t, got.GetPipelineEvents())
		require.NoError(t, s.Hooks().Delete(ctx, 1, hook.GetId()))
		require.ErrorIs(t, s.Hooks().Delete(ctx, 1, hook.GetId()), store.ErrNotFound)
		_, err = s.Hooks().Get(ctx, 1, hook.GetId())
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.Hooks().Update(ctx, changed), store.ErrNotFound, "an update does not bring a deleted hook back")
	})
}
