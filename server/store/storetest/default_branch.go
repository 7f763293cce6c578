package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func newEmptyProject(t *testing.T, s store.Store, path string) *storagev1.Project {
	t.Helper()
	p, err := s.Projects().Create(t.Context(),
		&storagev1.Project{Name: path, Path: path, NamespacePath: "root", NamespaceId: 1, DefaultBranch: "main", EmptyRepo: true, Settings: &storagev1.ProjectSettings{}},
		&storagev1.Member{UserId: 1, AccessLevel: 50})
	require.NoError(t, err)
	return p
}

func testSettleDefaultBranch(t *testing.T, h Harness) {
	t.Run("FirstWinsAndSurvivesStaleUpdate", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newEmptyProject(t, s, "demo")
		got, err := s.Projects().Get(ctx, p.GetId())
		require.NoError(t, err)
		require.True(t, got.GetEmptyRepo())
		require.Equal(t, "main", got.GetDefaultBranch())

		won, err := s.Projects().SettleDefaultBranch(ctx, p.GetId(), "feature")
		require.NoError(t, err)
		require.Equal(t, "feature", won)
		won, err = s.Projects().SettleDefaultBranch(ctx, p.GetId(), "other")
		require.NoError(t, err)
		require.Equal(t, "feature", won, "a later first push does not flip the choice")

		got, err = s.Projects().Get(ctx, p.GetId())
		require.NoError(t, err)
		require.False(t, got.GetEmptyRepo())
		require.Equal(t, "feature", got.GetDefaultBranch())

		// An update written from a read taken before the push.
		stale := proto.CloneOf(p)
		stale.Description = "edited"
		require.NoError(t, s.Projects().Update(ctx, p, stale))
		got, err = s.Projects().Get(ctx, p.GetId())
		require.NoError(t, err)
		require.Equal(t, "edited", got.GetDescription())
		require.False(t, got.GetEmptyRepo())
		require.Equal(t, "feature", got.GetDefaultBranch())

		// An update from a current read sets the default branch for good.
		changed := proto.CloneOf(got)
		changed.DefaultBranch = "main"
		require.NoError(t, s.Projects().Update(ctx, got, changed))
		got, err = s.Projects().Get(ctx, p.GetId())
		require.NoError(t, err)
		require.Equal(t, "main", got.GetDefaultBranch())

		// A project that was never empty ignores the claim.
		other := newProject(t, s, "other")
		other, err = s.Projects().Get(ctx, other.GetId())
		require.NoError(t, err)
		require.False(t, other.GetEmptyRepo())
	})
	t.Run("RacingFirstPushesAgree", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newEmptyProject(t, s, "demo")
		const racers = 16
		results := make([]string, racers)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				results[i], errs[i] = s.Projects().SettleDefaultBranch(ctx, p.GetId(), fmt.Sprintf("branch-%d", i))
			})
		}
		wg.Wait()
		for i := range racers {
			require.NoError(t, errs[i])
			require.Equal(t, results[0], results[i], "every racer learns the one winner")
		}
		got, err := s.Projects().Get(ctx, p.GetId())
		require.NoError(t, err)
		require.Equal(t, results[0], got.GetDefaultBranch())
		require.False(t, got.GetEmptyRepo())
	})
}
