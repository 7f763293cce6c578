package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func newProject(t *testing.T, s store.Store, path string) *storagev1.Project {
	t.Helper()
	p, err := s.Projects().Create(t.Context(),
		&storagev1.Project{Name: path, Path: path, NamespacePath: "root", NamespaceId: 1, Settings: &storagev1.ProjectSettings{}},
		&storagev1.Member{UserId: 1, AccessLevel: 50})
	require.NoError(t, err)
	return p
}

func testProjects(t *testing.T, h Harness) {
	t.Run("CreateGetByPath", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newProject(t, s, "demo")
		require.EqualValues(t, 1, p.GetId())

		got, err := s.Projects().GetByPath(ctx, "Root/Demo")
		require.NoError(t, err)
		require.Equal(t, p.GetId(), got.GetId())

		owner, err := s.Members().Get(ctx, p.GetId(), 1)
		require.NoError(t, err)
		require.EqualValues(t, 50, owner.GetAccessLevel())

		ids, err := s.Members().ProjectIDs(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, []int64{p.GetId()}, ids)
	})
	t.Run("PathIsUnique", func(t *testing.T) {
		s := h(t)
		newProject(t, s, "demo")
		_, err := s.Projects().Create(t.Context(),
			&storagev1.Project{Name: "x", Path: "DEMO", NamespacePath: "root"}, &storagev1.Member{UserId: 1, AccessLevel: 50})
		var taken *store.TakenError
		require.ErrorAs(t, err, &taken)
		require.Equal(t, []string{"path"}, taken.Fields)
		_, err = s.Projects().Create(t.Context(),
			&storagev1.Project{Name: "Demo", Path: "demo", NamespacePath: "root"}, &storagev1.Member{UserId: 1, AccessLevel: 50})
		require.ErrorAs(t, err, &taken)
		require.Equal(t, []string{"name", "path"}, taken.Fields)
		// The same path in another namespace is fine.
		_, err = s.Projects().Create(t.Context(),
			&storagev1.Project{Name: "demo", Path: "demo", NamespacePath: "alice"}, &storagev1.Member{UserId: 2, AccessLevel: 50})
		require.NoError(t, err)
	})
	t.Run("UpdateAndList", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		a := newProject(t, s, "a")
		b := newProject(t, s, "b")
		updated := proto.CloneOf(a)
		updated.Description = "changed"
		updated.Settings.MergeTrainsEnabled = true
		require.NoError(t, s.Projects().Update(ctx, a, updated))
		got, err := s.Projects().Get(ctx, a.GetId())
		require.NoError(t, err)
		require.Equal(t, "changed", got.GetDescription())
		require.True(t, got.GetSettings().GetMergeTrainsEnabled())

		renamed := proto.CloneOf(got)
		renamed.Name = "b"
		require.ErrorIs(t, s.Projects().Update(ctx, got, renamed), store.ErrTaken, "b's name is taken")
		renamed.Name = "c"
		require.NoError(t, s.Projects().Update(ctx, got, renamed))
		_, err = s.Projects().Create(ctx, // a's old name is free again
			&storagev1.Project{Name: "a", Path: "a2", NamespacePath: "root"}, &storagev1.Member{UserId: 1, AccessLevel: 50})
		require.NoError(t, err)

		ids, err := s.Projects().IDs(ctx)
		require.NoError(t, err)
		require.Len(t, ids, 3)
		require.Equal(t, []int64{a.GetId(), b.GetId()}, ids[:2])

		_, err = s.Projects().Get(ctx, 99)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

func testMembers(t *testing.T, h Harness) {
	t.Run("AddUpdateRemove", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newProject(t, s, "demo")
		m := &storagev1.Member{UserId: 7, AccessLevel: 30}
		require.NoError(t, s.Members().Add(ctx, p.GetId(), m))
		require.ErrorIs(t, s.Members().Add(ctx, p.GetId(), m), store.ErrExists)

		m.AccessLevel = 10
		require.NoError(t, s.Members().Update(ctx, p.GetId(), m))
		got, err := s.Members().Get(ctx, p.GetId(), 7)
		require.NoError(t, err)
		require.EqualValues(t, 10, got.GetAccessLevel())

		all, err := s.Members().List(ctx, p.GetId())
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.EqualValues(t, 1, all[0].GetUserId())
		require.EqualValues(t, 7, all[1].GetUserId())

		require.NoError(t, s.Members().Remove(ctx, p.GetId(), 7))
		_, err = s.Members().Get(ctx, p.GetId(), 7)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.Members().Remove(ctx, p.GetId(), 7), store.ErrNotFound)
		require.ErrorIs(t, s.Members().Update(ctx, p.GetId(), m), store.ErrNotFound)
		ids, err := s.Members().ProjectIDs(ctx, 7)
		require.NoError(t, err)
		require.Empty(t, ids)
	})
}
