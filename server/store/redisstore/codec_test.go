package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// bad is not valid UTF-8, which a proto3 string field must be.
const bad = "\xff.txt"

// TestInvalidUTF8IsRefusedAndWritesNothing: every write of a record holding a
// string that is not valid UTF-8 fails with an error (it used to panic and
// take the process down), and leaves every key as it was; only the sequences
// a create draws its ids from may have moved.
func TestInvalidUTF8IsRefusedAndWritesNothing(t *testing.T) {
	r := redistest.New(t)
	rdb := r.Client(t)
	prefix := redistest.Prefix(t)
	s := redisstore.New(rdb, redisstore.WithKeyPrefix(prefix))
	ctx := t.Context()

	// One valid record of each kind, for the updates to start from.
	u, err := s.Users().Create(ctx, &storagev1.User{Username: "alice", Email: "alice@example.test"})
	require.NoError(t, err)
	_, err = s.Users().CreateToken(ctx, &storagev1.Token{UserId: u.GetId(), Name: "t"}, "hash")
	require.NoError(t, err)
	p, err := s.Projects().Create(ctx, &storagev1.Project{Name: "demo", Path: "demo", NamespacePath: "alice"}, &storagev1.Member{UserId: u.GetId(), AccessLevel: 50})
	require.NoError(t, err)
	pid := p.GetId()
	check, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: pid, Name: "c", ExternalUrl: "https://c.test/"})
	require.NoError(t, err)
	mr, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: pid, Title: "t", SourceBranch: "f", TargetBranch: "main"})
	require.NoError(t, err)
	mainTrain := store.TrainRef{ProjectID: pid, Branch: "main"}
	require.NoError(t, s.Trains().Commit(ctx, &storagev1.Train{ProjectId: pid, TargetBranch: "main", Version: 1, Id: "v1"}))
	pl, err := s.Pipelines().Create(ctx, &storagev1.Pipeline{ProjectId: pid, Sha: "abc", Ref: "main"})
	require.NoError(t, err)
	d, err := s.Deliveries().Enqueue(ctx, &storagev1.Delivery{ProjectId: pid, CheckId: check.GetId(), NextAttemptTime: timestamppb.Now()})
	require.NoError(t, err)

	writes := map[string]func() error{
		"user create": func() error {
			_, err := s.Users().Create(ctx, &storagev1.User{Username: "bob", Name: bad})
			return err
		},
		"token create": func() error {
			_, err := s.Users().CreateToken(ctx, &storagev1.Token{UserId: u.GetId(), Name: bad}, "hash2")
			return err
		},
		"project create": func() error {
			_, err := s.Projects().Create(ctx, &storagev1.Project{Name: "x", Path: "x", NamespacePath: "alice", Description: bad},
				&storagev1.Member{UserId: u.GetId()})
			return err
		},
		"project update": func() error {
			return s.Projects().Update(ctx, p, &storagev1.Project{Id: pid, Name: "renamed", Path: "demo", NamespacePath: "alice", Description: bad})
		},
		"member add": func() error {
			return s.Members().Add(ctx, pid, &storagev1.Member{UserId: 99, ExpiresAt: bad})
		},
		"member update": func() error {
			return s.Members().Update(ctx, pid, &storagev1.Member{UserId: u.GetId(), ExpiresAt: bad})
		},
		"protected branch create": func() error {
			_, err := s.ProtectedBranches().Create(ctx, &storagev1.ProtectedBranch{ProjectId: pid, Name: bad,
				Push: &storagev1.AccessLevel{Level: 40}})
			return err
		},
		"check create": func() error {
			_, err := s.Checks().Create(ctx, &storagev1.StatusCheck{ProjectId: pid, Name: bad, ExternalUrl: "https://other.test/"})
			return err
		},
		"check update": func() error {
			return s.Checks().Update(ctx, check, &storagev1.StatusCheck{Id: check.GetId(), ProjectId: pid, Name: bad, ExternalUrl: "https://other.test/"})
		},
		"merge request create": func() error {
			_, err := s.MergeRequests().Create(ctx, &storagev1.MergeRequest{ProjectId: pid, Title: bad})
			return err
		},
		"merge request update": func() error {
			return s.MergeRequests().Update(ctx, &storagev1.MergeRequest{ProjectId: pid, Id: mr.GetId(), Iid: mr.GetIid(), Title: bad})
		},
		"response put": func() error {
			_, err := s.Responses().Put(ctx, &storagev1.StatusCheckResponse{ProjectId: pid, MergeRequestIid: mr.GetIid(), CheckId: check.GetId(),
				Sha: bad, Status: 1, Deadline: timestamppb.New(time.Now().Add(time.Hour))})
			return err
		},
		"delivery enqueue": func() error {
			_, err := s.Deliveries().Enqueue(ctx, &storagev1.Delivery{ProjectId: pid, CheckId: check.GetId(), Sha: bad, NextAttemptTime: timestamppb.Now()})
			return err
		},
		"delivery save": func() error {
			return s.Deliveries().Save(ctx, &storagev1.Delivery{ProjectId: pid, Id: d.GetId(), CheckId: check.GetId(), Sha: bad,
				NextAttemptTime: timestamppb.Now()}, true)
		},
		"train commit": func() error {
			return s.Trains().Commit(ctx, &storagev1.Train{ProjectId: pid, TargetBranch: "main", Version: 2, ParentId: "v1", Id: "v2",
				Cars: []*storagev1.Car{{ProjectId: pid, MergeRequestIid: mr.GetIid(), HeadSha: bad}}})
		},
		"train command": func() error {
			_, err := s.Trains().Submit(ctx, mainTrain, &storagev1.TrainCommand{Kind: &storagev1.TrainCommand_Join{Join: &storagev1.JoinTrain{HeadSha: bad}}}, nil)
			return err
		},
		"train command with its merge request": func() error {
			_, err := s.Trains().Submit(ctx, mainTrain, &storagev1.TrainCommand{}, &storagev1.MergeRequest{ProjectId: pid, Iid: mr.GetIid(), Title: bad})
			return err
		},
		"pipeline create": func() error {
			_, err := s.Pipelines().Create(ctx, &storagev1.Pipeline{ProjectId: pid, Sha: "def", Ref: bad})
			return err
		},
		"pipeline update": func() error {
			return s.Pipelines().Update(ctx, &storagev1.Pipeline{ProjectId: pid, Id: pl.GetId(), Sha: "abc", Ref: bad})
		},
		"commit status put": func() error {
			_, err := s.Pipelines().PutStatus(ctx, &storagev1.CommitStatus{ProjectId: pid, PipelineId: pl.GetId(), Name: bad})
			return err
		},
		"hook create": func() error {
			_, err := s.Hooks().Create(ctx, &storagev1.ProjectHook{ProjectId: pid, Url: bad})
			return err
		},
		"note add": func() error {
			_, err := s.Notes().Add(ctx, &storagev1.Note{ProjectId: pid, MergeRequestIid: mr.GetIid(), Body: bad}, "")
			return err
		},
		"keyed note add": func() error {
			_, err := s.Notes().Add(ctx, &storagev1.Note{ProjectId: pid, MergeRequestIid: mr.GetIid(), Body: bad}, "car:1:drop")
			return err
		},
	}
	for name, write := range writes {
		before := snapshot(t, rdb, prefix)
		err := write()
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "UTF-8", name)
		require.Equal(t, before, snapshot(t, rdb, prefix), "%s wrote something", name)
	}
}

// snapshot is every key under prefix with its serialized value, leaving out
// the id and iid sequences.
func snapshot(t *testing.T, rdb redis.UniversalClient, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	out := map[string]string{}
	for _, k := range keys {
		if strings.HasPrefix(k, prefix+"seq:") || strings.HasSuffix(k, ":iid") {
			continue
		}
		v, err := rdb.Dump(ctx, k).Result()
		require.NoError(t, err)
		out[k] = v
	}
	return out
}

var _ store.Store = (*redisstore.Store)(nil)
