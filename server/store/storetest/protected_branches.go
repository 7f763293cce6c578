package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testProtectedBranches(t *testing.T, h Harness) {
	t.Run("CreateFindDelete", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newProject(t, s, "demo")
		pb, err := s.ProtectedBranches().Create(ctx, &storagev1.ProtectedBranch{
			ProjectId: p.GetId(), Name: "release/*",
			Push: &storagev1.AccessLevel{Level: 40}, Merge: &storagev1.AccessLevel{Level: 30}, Unprotect: &storagev1.AccessLevel{Level: 40},
		})
		require.NoError(t, err)
		require.NotZero(t, pb.GetId())
		require.NotZero(t, pb.GetPush().GetId())
		require.NotEqual(t, pb.GetPush().GetId(), pb.GetMerge().GetId())

		_, err = s.ProtectedBranches().Create(ctx, &storagev1.ProtectedBranch{ProjectId: p.GetId(), Name: "release/*"})
		require.ErrorIs(t, err, store.ErrTaken)

		byName, err := s.ProtectedBranches().Get(ctx, p.GetId(), "release/*")
		require.NoError(t, err)
		require.Equal(t, pb.GetId(), byName.GetId())
		byID, err := s.ProtectedBranches().GetByID(ctx, pb.GetId())
		require.NoError(t, err)
		require.Equal(t, p.GetId(), byID.GetProjectId())

		main, err := s.ProtectedBranches().Create(ctx, &storagev1.ProtectedBranch{ProjectId: p.GetId(), Name: "main"})
		require.NoError(t, err)
		all, err := s.ProtectedBranches().List(ctx, p.GetId())
		require.NoError(t, err)
		require.Equal(t, []string{"release/*", "main"}, []string{all[0].GetName(), all[1].GetName()})

		require.NoError(t, s.ProtectedBranches().Delete(ctx, pb))
		_, err = s.ProtectedBranches().Get(ctx, p.GetId(), "release/*")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.ProtectedBranches().GetByID(ctx, pb.GetId())
		require.ErrorIs(t, err, store.ErrNotFound)
		all, err = s.ProtectedBranches().List(ctx, p.GetId())
		require.NoError(t, err)
		require.Len(t, all, 1)
		require.Equal(t, main.GetId(), all[0].GetId())

		// The name is free again once deleted.
		_, err = s.ProtectedBranches().Create(ctx, &storagev1.ProtectedBranch{ProjectId: p.GetId(), Name: "release/*"})
		require.NoError(t, err)
	})
}
