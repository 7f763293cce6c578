package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

func testChecks(t *testing.T, h Harness) {
	t.Run("NameAndURLUniqueWithinProject", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newProject(t, s, "p")
		q := newProject(t, s, "q")
		c, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "lint", ExternalUrl: "https://a.test"})
		require.NoError(t, err)
		require.NotZero(t, c.GetId())

		_, err = s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "lint", ExternalUrl: "https://a.test"})
		var taken *store.TakenError
		require.ErrorAs(t, err, &taken)
		require.Equal(t, []string{"name", "external_url"}, taken.Fields)

		_, err = s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "other", ExternalUrl: "https://a.test"})
		require.ErrorAs(t, err, &taken)
		require.Equal(t, []string{"external_url"}, taken.Fields)

		// A failed create must not keep the name it claimed.
		_, err = s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "other", ExternalUrl: "https://b.test"})
		require.NoError(t, err)

		// Another project may reuse both.
		_, err = s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: q.GetId(), Name: "lint", ExternalUrl: "https://a.test"})
		require.NoError(t, err)

		all, err := s.Checks().List(ctx, p.GetId())
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Less(t, all[0].GetId(), all[1].GetId())
	})
	t.Run("FiftyConcurrentCreatesOneWinner", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newProject(t, s, "p")
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = s.Checks().Create(ctx, &storagev1.StatusCheck{
					ProjectId: p.GetId(), Name: "same", ExternalUrl: fmt.Sprintf("https://x.test/%d", i),
				})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			require.ErrorIs(t, err, store.ErrTaken)
		}
		require.Equal(t, 1, wins)
		all, err := s.Checks().List(ctx, p.GetId())
		require.NoError(t, err)
		require.Len(t, all, 1)
	})
	t.Run("UpdateMovesClaims", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		p := newProject(t, s, "p")
		a, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "a", ExternalUrl: "https://a.test"})
		require.NoError(t, err)
		b, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "b", ExternalUrl: "https://b.test"})
		require.NoError(t, err)

		clash := &storagev1.StatusCheck{Id: a.GetId(), ProjectId: p.GetId(), Name: "b", ExternalUrl: "https://a.test"}
		require.ErrorIs(t, s.Checks().Update(ctx, a, clash), store.ErrTaken)
		got, err := s.Checks().Get(ctx, p.GetId(), a.GetId())
		require.NoError(t, err)
		require.Equal(t, "a", got.GetName(), "a refused update changes nothing")

		renamed := &storagev1.StatusCheck{Id: a.GetId(), ProjectId: p.GetId(), Name: "c", ExternalUrl: "https://c.test"}
		require.NoError(t, s.Checks().Update(ctx, a, renamed))
		got, err = s.Checks().Get(ctx, p.GetId(), a.GetId())
		require.NoError(t, err)
		require.Equal(t, "c", got.GetName())

		// The old name and URL are free again; the new ones are held.
		_, err = s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "a", ExternalUrl: "https://a.test"})
		require.NoError(t, err)
		_, err = s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "c", ExternalUrl: "https://z.test"})
		require.ErrorIs(t, err, store.ErrTaken)

		require.NoError(t, s.Checks().Delete(ctx, b))
		_, err = s.Checks().Get(ctx, p.GetId(), b.GetId())
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: p.GetId(), Name: "b", ExternalUrl: "https://b.test"})
		require.NoError(t, err)
	})
}
