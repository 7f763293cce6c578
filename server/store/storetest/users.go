package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testUsers(t *testing.T, h Harness) {
	t.Run("CreateAssignsIDsFromOne", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		a, err := s.Users().Create(ctx, &storagev1.User{Username: "root", Email: "root@example.test"})
		require.NoError(t, err)
		require.EqualValues(t, 1, a.GetId())
		b, err := s.Users().Create(ctx, &storagev1.User{Username: "alice", Email: "alice@example.test"})
		require.NoError(t, err)
		require.EqualValues(t, 2, b.GetId())

		got, err := s.Users().GetByUsername(ctx, "ALICE")
		require.NoError(t, err)
		require.Equal(t, "alice", got.GetUsername())
	})
	t.Run("UsernameAndEmailAreUnique", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		_, err := s.Users().Create(ctx, &storagev1.User{Username: "alice", Email: "a@example.test"})
		require.NoError(t, err)

		_, err = s.Users().Create(ctx, &storagev1.User{Username: "Alice", Email: "A@example.test"})
		var taken *store.TakenError
		require.ErrorAs(t, err, &taken)
		require.ErrorIs(t, err, store.ErrTaken)
		require.Equal(t, []string{"username", "email"}, taken.Fields)

		// The failed create released nothing it did not own and kept nothing.
		_, err = s.Users().Create(ctx, &storagev1.User{Username: "bob", Email: "b@example.test"})
		require.NoError(t, err)
	})
	t.Run("MissingIsNotFound", func(t *testing.T) {
		s := h(t)
		_, err := s.Users().Get(t.Context(), 42)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.Users().GetByUsername(t.Context(), "nobody")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.Users().TokenByHash(t.Context(), "00")
		require.ErrorIs(t, err, store.ErrNotFound)
	})
	t.Run("TokensByHash", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		u, err := s.Users().Create(ctx, &storagev1.User{Username: "alice"})
		require.NoError(t, err)
		tok, err := s.Users().CreateToken(ctx, &storagev1.Token{UserId: u.GetId(), Name: "ci", Scopes: []string{"api"}}, "h1")
		require.NoError(t, err)
		require.NotZero(t, tok.GetId())
		_, err = s.Users().CreateToken(ctx, &storagev1.Token{UserId: u.GetId(), Name: "other"}, "h2")
		require.NoError(t, err)

		got, err := s.Users().TokenByHash(ctx, "h1")
		require.NoError(t, err)
		require.Equal(t, "ci", got.GetName())
		require.Equal(t, []string{"api"}, got.GetScopes())

		all, err := s.Users().Tokens(ctx, u.GetId())
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Equal(t, "h1", all[0].Hash)

		require.NoError(t, s.Users().RevokeToken(ctx, "h1"))
		got, err = s.Users().TokenByHash(ctx, "h1")
		require.NoError(t, err)
		require.True(t, got.GetRevoked())
	})
}
