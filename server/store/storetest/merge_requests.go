package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testMergeRequests(t *testing.T, h Harness) {
	t.Run("IIDsPerProject", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newProject(t, s, "p")
		q := newProject(t, s, "q")
		a, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: p.GetId(), Title: "a"})
		require.NoError(t, err)
		b, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: q.GetId(), Title: "b"})
		require.NoError(t, err)
		c, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: p.GetId(), Title: "c"})
		require.NoError(t, err)
		require.Equal(t, []int64{1, 1, 2}, []int64{a.GetIid(), b.GetIid(), c.GetIid()})
		require.Equal(t, []int64{1, 2, 3}, []int64{a.GetId(), b.GetId(), c.GetId()}, "ids are global")

		c.Title = "changed"
		require.NoError(t, s.MergeRequests().Update(ctx, c))
		got, err := s.MergeRequests().Get(ctx, p.GetId(), 2)
		require.NoError(t, err)
		require.Equal(t, "changed", got.GetTitle())
		all, err := s.MergeRequests().List(ctx, p.GetId())
		require.NoError(t, err)
		require.Len(t, all, 2)
		_, err = s.MergeRequests().Get(ctx, p.GetId(), 3)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}
