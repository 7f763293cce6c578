package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/store"
)

// testCarChecks is the contract of status checks that follow merge trains:
// an ask about a car commit is written with its responses and deliveries,
// stays until settled, and final answers are indexed by tree.
func testCarChecks(t *testing.T, h Harness) {
	pending := status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING)
	passed := status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED)
	failed := status(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED)
	carResponse := func(check int64, sha string, st int32) *storagev1.StatusCheckResponse {
		return &storagev1.StatusCheckResponse{
			ProjectId: 3, MergeRequestIid: 4, CheckId: check, Sha: sha, Status: st,
			CarId: 11, TreeSha: "tree1", Deadline: timestamppb.New(time.UnixMilli(1_700_000_000_000)),
		}
	}
	t.Run("AskIsWrittenWithItsResponsesAndSettledWithItsNotices", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		ask := &storagev1.CarCheckAsk{CarId: 11, MergeRequestIid: 4, Sha: "car1", TreeSha: "tree1", TargetBranch: "main"}
		require.NoError(t, s.Responses().Dispatch(ctx, store.Dispatch{
			ProjectID: 3, MergeRequestIID: 4, CarAsk: ask,
			Responses:  []*storagev1.StatusCheckResponse{carResponse(1, "car1", pending), carResponse(2, "car1", pending)},
			Deliveries: []*storagev1.Delivery{{ProjectId: 3, CheckId: 1, MergeRequestIid: 4, Sha: "car1", Event: "merge_train", State: int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING)}},
		}))
		asks, err := s.Responses().CarAsks(ctx, 3)
		require.NoError(t, err)
		require.Len(t, asks, 1)
		require.Equal(t, "car1", asks[0].GetSha())
		require.Equal(t, int64(11), asks[0].GetCarId())
		require.Equal(t, "tree1", asks[0].GetTreeSha())
		got, err := s.Responses().Newest(ctx, 3, 4, "car1", []int64{1, 2})
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, int64(11), got[1].GetCarId())
		log, err := s.Deliveries().Log(ctx, 3, 1, 10)
		require.NoError(t, err)
		require.Len(t, log, 1)
		none, err := s.Responses().CarAsks(ctx, 99)
		require.NoError(t, err)
		require.Empty(t, none, "asks belong to their project")

		// Settling: the pending responses become obsolete, the notices are
		// queued, and the ask is gone, in one write.
		obsolete := got[1]
		obsolete.Obsolete = true
		require.NoError(t, s.Responses().Dispatch(ctx, store.Dispatch{
			ProjectID: 3, MergeRequestIID: 4, CarSettled: "car1",
			Responses:  []*storagev1.StatusCheckResponse{obsolete},
			Deliveries: []*storagev1.Delivery{{ProjectId: 3, CheckId: 1, MergeRequestIid: 4, Sha: "car1", Event: "obsolete", State: int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING)}},
		}))
		asks, err = s.Responses().CarAsks(ctx, 3)
		require.NoError(t, err)
		require.Empty(t, asks)
		got, err = s.Responses().Newest(ctx, 3, 4, "car1", []int64{1})
		require.NoError(t, err)
		require.True(t, got[1].GetObsolete())
		require.Equal(t, obsolete.GetId(), got[1].GetId(), "made obsolete in place")
		log, err = s.Deliveries().Log(ctx, 3, 1, 10)
		require.NoError(t, err)
		require.Len(t, log, 2)
		require.Equal(t, "obsolete", log[0].GetEvent(), "newest first")
	})
	t.Run("AskOfAnotherMergeRequestIsRefused", func(t *testing.T) {
		s := h(t)
		err := s.Responses().Dispatch(t.Context(), store.Dispatch{
			ProjectID: 3, MergeRequestIID: 4, CarAsk: &storagev1.CarCheckAsk{MergeRequestIid: 5, Sha: "x"},
			Responses: []*storagev1.StatusCheckResponse{carResponse(1, "x", pending)},
		})
		require.Error(t, err)
		asks, err := s.Responses().CarAsks(t.Context(), 3)
		require.NoError(t, err)
		require.Empty(t, asks, "nothing written")
		got, err := s.Responses().Newest(t.Context(), 3, 4, "x", []int64{1})
		require.NoError(t, err)
		require.Empty(t, got, "nothing written")
	})
	t.Run("FinalAnswersAreIndexedByTree", func(t *testing.T) {
		s := h(t)
		ctx := t.Context()
		// Pending is not an answer; neither is an obsolete response.
		_, err := s.Responses().Put(ctx, carResponse(1, "car1", pending))
		require.NoError(t, err)
		gone := carResponse(3, "car1", failed)
		gone.Obsolete = true
		_, err = s.Responses().Put(ctx, gone)
		require.NoError(t, err)
		got, err := s.Responses().TreeAnswers(ctx, 3, 4, "tree1", []int64{1, 2, 3})
		require.NoError(t, err)
		require.Empty(t, got)

		_, err = s.Responses().Put(ctx, carResponse(1, "car1", passed))
		require.NoError(t, err)
		require.NoError(t, s.Responses().Dispatch(ctx, store.Dispatch{
			ProjectID: 3, MergeRequestIID: 4,
			Responses: []*storagev1.StatusCheckResponse{carResponse(2, "car1", failed)},
		}))
		// A head response (no tree) is not indexed.
		_, err = s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 3, MergeRequestIid: 4, CheckId: 3, Sha: "head", Status: passed})
		require.NoError(t, err)
		got, err = s.Responses().TreeAnswers(ctx, 3, 4, "tree1", []int64{1, 2, 3})
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, passed, got[1].GetStatus())
		require.Equal(t, "car1", got[1].GetSha())
		require.Equal(t, failed, got[2].GetStatus())

		// The newest answer wins; other trees and merge requests are apart.
		_, err = s.Responses().Put(ctx, carResponse(1, "car2", failed))
		require.NoError(t, err)
		got, err = s.Responses().TreeAnswers(ctx, 3, 4, "tree1", []int64{1})
		require.NoError(t, err)
		require.Equal(t, failed, got[1].GetStatus())
		require.Equal(t, "car2", got[1].GetSha())
		got, err = s.Responses().TreeAnswers(ctx, 3, 4, "tree2", []int64{1})
		require.NoError(t, err)
		require.Empty(t, got)
		got, err = s.Responses().TreeAnswers(ctx, 3, 5, "tree1", []int64{1})
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
