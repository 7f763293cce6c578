package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

func status(s signalboxv1.StatusCheckStatus) int32 { return int32(s) }

func testResponses(t *testing.T, h Harness) {
	t.Run("NewestWinsPerCheckAndSHA", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		put := func(check int64, sha string, st signalboxv1.StatusCheckStatus) *storagev1.StatusCheckResponse {
			r, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 1, MergeRequestIid: 7, CheckId: check, Sha: sha, Status: status(st)})
			require.NoError(t, err)
			return r
		}
		first := put(1, "aaa", signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED)
		second := put(1, "aaa", signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED)
		require.Greater(t, second.GetId(), first.GetId())
		put(1, "bbb", signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED)
		put(2, "aaa", signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED)

		got, err := s.Responses().Newest(ctx, 1, 7, "aaa", []int64{1, 2, 3})
		require.NoError(t, err)
		require.Len(t, got, 2, "check 3 has no response")
		require.Equal(t, status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED), got[1].GetStatus())
		require.Equal(t, second.GetId(), got[1].GetId())

		got, err = s.Responses().Newest(ctx, 1, 7, "bbb", []int64{1})
		require.NoError(t, err)
		require.Equal(t, status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED), got[1].GetStatus())
	})
	t.Run("PendingDeadlinesAreClaimedOnce", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		base := time.UnixMilli(1_700_000_000_000)
		for i, offset := range []time.Duration{3 * time.Second, time.Second, 10 * time.Second} {
			_, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{
				ProjectId: 1, MergeRequestIid: 1, CheckId: int64(i + 1), Sha: "abc",
				Status:   status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING),
				Deadline: timestamppb.New(base.Add(offset)),
			})
			require.NoError(t, err)
		}
		due, err := s.Responses().Due(ctx, base.Add(5*time.Second), 10)
		require.NoError(t, err)
		require.Len(t, due, 2)
		require.Equal(t, int64(2), due[0].Key.CheckID, "oldest deadline first")
		require.Equal(t, "abc", due[0].Key.SHA)
		require.Equal(t, base.Add(time.Second), due[0].Deadline)

		// Eight sweepers race for each entry; exactly one wins it.
		for _, d := range due {
			var wins int
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					ok, err := s.Responses().ClaimDue(ctx, d)
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
		}
		due, err = s.Responses().Due(ctx, base.Add(5*time.Second), 10)
		require.NoError(t, err)
		require.Empty(t, due)
		due, err = s.Responses().Due(ctx, base.Add(time.Minute), 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
	})
	t.Run("ReplaceKeepsTheID", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		r, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 1, MergeRequestIid: 1, CheckId: 1, Sha: "x",
			Status: status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED)})
		require.NoError(t, err)
		r.Status = status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING)
		r.RetryTime = timestamppb.Now()
		require.NoError(t, s.Responses().Replace(ctx, r))
		got, err := s.Responses().Newest(ctx, 1, 1, "x", []int64{1})
		require.NoError(t, err)
		require.Equal(t, r.GetId(), got[1].GetId())
		require.NotNil(t, got[1].GetRetryTime())
	})
}
