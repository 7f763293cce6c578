package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

// testProjectDelete fills a project with a record of every kind, deletes
// it, and checks that nothing of it is found afterwards while its
// neighbour keeps everything.
func testProjectDelete(t *testing.T, h Harness) {
	s := h(t)
	ctx := t.Context()
	base := time.UnixMilli(1_700_000_000_000)
	fill := func(path string) *storagev1.Project {
		p := newProject(t, s, path)
		pid := p.GetId()
		require.NoError(t, s.Members().Add(ctx, pid, &storagev1.Member{UserId: 2, AccessLevel: 30}))
		_, err := s.ProtectedBranches().Create(ctx, &storagev1.ProtectedBranch{ProjectId: pid, Name: "main"})
		require.NoError(t, err)
		c, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: pid, Name: "lint", ExternalUrl: "https://a.test"})
		require.NoError(t, err)
		mr, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: pid, Title: "a"})
		require.NoError(t, err)
		_, err = s.Responses().Put(ctx, &storagev1.StatusCheckResponse{
			ProjectId: pid, MergeRequestIid: mr.GetIid(), CheckId: c.GetId(), Sha: "abc",
			Status:   int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING),
			Deadline: timestamppb.New(base),
		})
		require.NoError(t, err)
		_, err = s.Deliveries().Enqueue(ctx, &storagev1.Delivery{
			ProjectId: pid, CheckId: c.GetId(), Event: "open", Payload: []byte(`{}`), NextAttemptTime: timestamppb.New(base),
		})
		require.NoError(t, err)
		_, err = s.Pipelines().Create(ctx, &storagev1.Pipeline{ProjectId: pid, Sha: "abc"})
		require.NoError(t, err)
		_, err = s.Hooks().Create(ctx, &storagev1.ProjectHook{ProjectId: pid, Url: "https://ci.example.test/"})
		require.NoError(t, err)
		_, err = s.Notes().Add(ctx, &storagev1.Note{ProjectId: pid, MergeRequestIid: mr.GetIid(), Body: "hi"}, "k")
		require.NoError(t, err)
		require.NoError(t, s.Trains().MarkDirty(ctx, pid))
		return p
	}
	gone := fill("gone")
	kept := fill("kept")
	pid := gone.GetId()
	pb, err := s.ProtectedBranches().Get(ctx, pid, "main")
	require.NoError(t, err)

	marked, err := s.Projects().MarkDeleted(ctx, pid, base)
	require.NoError(t, err)
	require.True(t, marked)
	_, err = s.Projects().Get(ctx, pid)
	require.ErrorIs(t, err, store.ErrNotFound, "hidden from the mark on")
	_, err = s.Projects().GetByPath(ctx, "root/gone")
	require.ErrorIs(t, err, store.ErrNotFound)
	again, err := s.Projects().MarkDeleted(ctx, pid, base.Add(time.Second))
	require.NoError(t, err)
	require.False(t, again, "a second deleter does not mark")
	updated := proto.CloneOf(gone)
	updated.Description = "late writer"
	require.ErrorIs(t, s.Projects().Update(ctx, gone, updated), store.ErrNotFound, "an update does not bring it back")
	_, err = s.Projects().Get(ctx, pid)
	require.ErrorIs(t, err, store.ErrNotFound)

	deleting, err := s.Projects().Deleting(ctx)
	require.NoError(t, err)
	require.Len(t, deleting, 1)
	require.Equal(t, pid, deleting[0].ID)

	require.NoError(t, s.Projects().Purge(ctx, pid))
	require.NoError(t, s.Projects().Purge(ctx, pid), "repeatable")

	ids, err := s.Projects().IDs(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{kept.GetId()}, ids)
	for _, uid := range []int64{1, 2} {
		ids, err = s.Members().ProjectIDs(ctx, uid)
		require.NoError(t, err)
		require.Equal(t, []int64{kept.GetId()}, ids)
	}
	members, err := s.Members().List(ctx, pid)
	require.NoError(t, err)
	require.Empty(t, members)
	_, err = s.ProtectedBranches().GetByID(ctx, pb.GetId())
	require.ErrorIs(t, err, store.ErrNotFound)
	checks, err := s.Checks().List(ctx, pid)
	require.NoError(t, err)
	require.Empty(t, checks)
	mrs, err := s.MergeRequests().List(ctx, pid)
	require.NoError(t, err)
	require.Empty(t, mrs)
	hooks, err := s.Hooks().List(ctx, pid)
	require.NoError(t, err)
	require.Empty(t, hooks)
	notes, err := s.Notes().List(ctx, pid, 1)
	require.NoError(t, err)
	require.Empty(t, notes)
	dueResponses, err := s.Responses().Due(ctx, base, 100)
	require.NoError(t, err)
	require.Len(t, dueResponses, 1)
	require.Equal(t, kept.GetId(), dueResponses[0].Key.ProjectID)
	dueProjects, err := s.Deliveries().DueProjects(ctx, base, 0, 100)
	require.NoError(t, err)
	require.Equal(t, []int64{kept.GetId()}, dueProjects)
	dirty, err := s.Trains().Dirty(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{kept.GetId()}, dirty)

	// The neighbour keeps everything.
	members, err = s.Members().List(ctx, kept.GetId())
	require.NoError(t, err)
	require.Len(t, members, 2)
	checks, err = s.Checks().List(ctx, kept.GetId())
	require.NoError(t, err)
	require.Len(t, checks, 1)

	// The path is free again, for a project with a new id.
	again2 := newProject(t, s, "gone")
	require.Greater(t, again2.GetId(), kept.GetId(), "ids are never reused")
	checks, err = s.Checks().List(ctx, again2.GetId())
	require.NoError(t, err)
	require.Empty(t, checks)

	require.NoError(t, s.Projects().Forget(ctx, pid))
	deleting, err = s.Projects().Deleting(ctx)
	require.NoError(t, err)
	require.Empty(t, deleting)
	require.ErrorIs(t, s.Projects().Purge(ctx, pid), store.ErrNotFound, "no longer marked")

	marked, err = s.Projects().MarkDeleted(ctx, 999, base)
	require.NoError(t, err)
	require.False(t, marked, "a project that does not exist is not marked")
}
