package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
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
	t.Run("DispatchWritesResponsesDeliveriesAndTheHeadTogether", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		base := time.UnixMilli(1_700_000_000_000)
		pending := status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING)
		// A failed response that a retry sends back to pending keeps its id.
		failed, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 2, MergeRequestIid: 5, CheckId: 3, Sha: "h1",
			Status: status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED)})
		require.NoError(t, err)
		retried := proto.Clone(failed).(*storagev1.StatusCheckResponse)
		retried.Status, retried.Deadline = pending, timestamppb.New(base.Add(time.Minute))

		d := store.Dispatch{ProjectID: 2, MergeRequestIID: 5, Head: "h1"}
		for _, c := range []int64{1, 2} {
			d.Responses = append(d.Responses, &storagev1.StatusCheckResponse{ProjectId: 2, MergeRequestIid: 5, CheckId: c, Sha: "h1",
				Status: pending, Deadline: timestamppb.New(base.Add(time.Duration(c) * time.Second))})
		}
		d.Responses = append(d.Responses, retried)
		for _, c := range []int64{1, 2, 3} {
			d.Deliveries = append(d.Deliveries, &storagev1.Delivery{ProjectId: 2, CheckId: c, MergeRequestIid: 5, Sha: "h1",
				Event: "open", NextAttemptTime: timestamppb.New(base)})
		}
		require.NoError(t, s.Responses().Dispatch(ctx, d))

		newest, err := s.Responses().Newest(ctx, 2, 5, "h1", []int64{1, 2, 3})
		require.NoError(t, err)
		require.Len(t, newest, 3)
		require.Equal(t, failed.GetId(), newest[3].GetId(), "a response with an id keeps it")
		require.NotZero(t, newest[1].GetId())
		require.NotEqual(t, newest[1].GetId(), newest[2].GetId(), "new responses get ids of their own")
		for _, r := range newest {
			require.Equal(t, pending, r.GetStatus())
		}
		due, err := s.Responses().Due(ctx, base.Add(time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, due, 3, "every pending deadline is indexed")

		queued, err := s.Deliveries().Due(ctx, 2, base, 10)
		require.NoError(t, err)
		require.Len(t, queued, 3)
		pids, err := s.Deliveries().DueProjects(ctx, base, 0, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{2}, pids, "the project's queue is indexed")
		for _, c := range []int64{1, 2, 3} {
			log, err := s.Deliveries().Log(ctx, 2, c, 10)
			require.NoError(t, err)
			require.Len(t, log, 1, "check %d", c)
			require.NotZero(t, log[0].GetId())
		}
		heads, err := s.Responses().DispatchedHeads(ctx, 2)
		require.NoError(t, err)
		require.Equal(t, map[int64]string{5: "h1"}, heads)

		// Only a head: nothing else is written.
		require.NoError(t, s.Responses().Dispatch(ctx, store.Dispatch{ProjectID: 2, MergeRequestIID: 6, Head: "h2"}))
		heads, err = s.Responses().DispatchedHeads(ctx, 2)
		require.NoError(t, err)
		require.Equal(t, map[int64]string{5: "h1", 6: "h2"}, heads)
		heads, err = s.Responses().DispatchedHeads(ctx, 99)
		require.NoError(t, err)
		require.Empty(t, heads)
	})
	t.Run("DispatchRefusesRecordsOfAnotherMergeRequestAndWritesNothing", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		err := s.Responses().Dispatch(ctx, store.Dispatch{ProjectID: 2, MergeRequestIID: 5, Head: "h1",
			Responses:  []*storagev1.StatusCheckResponse{{ProjectId: 2, MergeRequestIid: 6, CheckId: 1, Sha: "h1"}},
			Deliveries: []*storagev1.Delivery{{ProjectId: 2, CheckId: 1}}})
		require.Error(t, err)
		err = s.Responses().Dispatch(ctx, store.Dispatch{ProjectID: 2, MergeRequestIID: 5, Head: "h1",
			Deliveries: []*storagev1.Delivery{{ProjectId: 3, CheckId: 1}}})
		require.Error(t, err)
		heads, err := s.Responses().DispatchedHeads(ctx, 2)
		require.NoError(t, err)
		require.Empty(t, heads)
		newest, err := s.Responses().Newest(ctx, 2, 6, "h1", []int64{1})
		require.NoError(t, err)
		require.Empty(t, newest)
		log, err := s.Deliveries().Log(ctx, 2, 1, 10)
		require.NoError(t, err)
		require.Empty(t, log)
	})
}
