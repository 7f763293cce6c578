package statuscheck_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestSweepNeverUndoesWhatLandsWhileItRuns: a retry or an answer that lands
// between the sweeper's read of a response and the end of its sweep must
// survive it. The sweeper used to write the failure from what it had read,
// so a retry right at the deadline came back failed, and an answer "passed"
// could be overwritten.
func TestSweepNeverUndoesWhatLandsWhileItRuns(t *testing.T) {
	t.Parallel()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	pending := int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING)
	passed := int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	deadline := start.Add(time.Second)
	retried := deadline.Add(time.Second)

	for name, tc := range map[string]struct {
		// lands is what another request writes while the sweep runs.
		lands func(ctx context.Context, st store.Store, r *storagev1.StatusCheckResponse) error
		// want is the newest response's status and deadline afterwards.
		wantStatus   int32
		wantDeadline *time.Time
	}{
		"a retry": {
			lands: func(ctx context.Context, st store.Store, r *storagev1.StatusCheckResponse) error {
				r.Status, r.Deadline, r.RetryTime = pending, timestamppb.New(retried), timestamppb.New(deadline)
				return st.Responses().Replace(ctx, r)
			},
			wantStatus: pending, wantDeadline: &retried,
		},
		"an answer": {
			lands: func(ctx context.Context, st store.Store, r *storagev1.StatusCheckResponse) error {
				_, err := st.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 1, MergeRequestIid: 1, CheckId: 1,
					Sha: sha, Status: passed, CreateTime: timestamppb.New(deadline)})
				return err
			},
			wantStatus: passed,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			rd := redistest.New(t)
			base := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
			var once sync.Once
			st := landsAfterRead{Store: base, after: func(r *storagev1.StatusCheckResponse) {
				once.Do(func() { require.NoError(t, tc.lands(ctx, base, r)) })
			}}
			clk := clock.NewFake(start)
			svc := statuscheck.NewService(statuscheck.Deps{
				Store: st, Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Events: event.NewLocal(), DefaultTimeout: time.Second,
			})
			_, err := base.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: 1, MergeRequestIid: 1, CheckId: 1,
				Sha: sha, Status: pending, CreateTime: timestamppb.New(start), Deadline: timestamppb.New(deadline)})
			require.NoError(t, err)

			clk.Set(deadline)
			_, err = svc.ExpireDue(ctx)
			require.NoError(t, err)

			newest, err := base.Responses().Newest(ctx, 1, 1, sha, []int64{1})
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, newest[1].GetStatus(), "what landed during the sweep is still there")
			if tc.wantDeadline == nil {
				return
			}
			require.Equal(t, *tc.wantDeadline, newest[1].GetDeadline().AsTime())
			// The retry's own deadline is still indexed: its sweep announces it.
			clk.Set(retried)
			n, err := svc.ExpireDue(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n, "the retried check times out at its new deadline")
		})
	}
}

// landsAfterRead is a store whose Newest calls after with the response it
// read, just before the caller sees it: the moment another request's write
// can land between a read and what the reader does with it.
type landsAfterRead struct {
	store.Store
	after func(*storagev1.StatusCheckResponse)
}

func (s landsAfterRead) Responses() store.Responses {
	return responsesAfterRead{Responses: s.Store.Responses(), after: s.after}
}

type responsesAfterRead struct {
	store.Responses
	after func(*storagev1.StatusCheckResponse)
}

func (r responsesAfterRead) Newest(ctx context.Context, pid, iid int64, sha string, ids []int64) (map[int64]*storagev1.StatusCheckResponse, error) {
	out, err := r.Responses.Newest(ctx, pid, iid, sha, ids)
	if err == nil && len(ids) == 1 && out[ids[0]] != nil {
		r.after(proto.Clone(out[ids[0]]).(*storagev1.StatusCheckResponse))
	}
	return out, err
}
