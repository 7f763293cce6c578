package mergerequest_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// TestFastForwardPushSpawnsNoGit: a push that moves a merge request's head
// on past its target (the usual push to a branch under review) is followed
// without one git process once the repository's cat-file process runs:
// the merge base, the merge status and the head commit are read through
// it, and the status checks are told the same as before.
func TestFastForwardPushSpawnsNoGit(t *testing.T) {
	rd := redistest.New(t)
	st := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	ctx := t.Context()
	counter := gitrepotest.NewGitCounter(t)
	runner := gitrepotest.NewRunner(t, gitrepo.WithGitPath(counter.Path))
	git := repository.NewGit(runner, t.TempDir())
	t.Cleanup(func() { _ = git.Close() })
	p := &storagev1.Project{Id: 1, Path: "demo", DefaultBranch: "main"}
	require.NoError(t, git.Init(ctx, p))
	work := gitrepotest.Clone(t, git.Dir(1))
	f := &gitrepotest.Fixture{Runner: runner, Repo: runner.Open(git.Dir(1)), Work: work}
	main := f.Commit("main", "", "base", map[string]string{"a.txt": "a\n"})
	first := f.Commit("feature", main, "first", map[string]string{"b.txt": "b\n"})

	checks := &dispatches{}
	svc := mergerequest.NewService(mergerequest.Deps{
		Store: st, Repos: git, Checks: checks, Pipelines: noPipelines{}, Events: event.NewLocal(),
		Clock: clock.NewFake(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)), Logger: slog.New(slog.DiscardHandler), Holder: "test",
	})
	sc := &project.Scope{Project: p, Caller: &auth.Principal{UserID: 1}, Level: auth.Maintainer}
	v, err := svc.Create(ctx, sc, mergerequest.CreateParams{SourceBranch: "feature", TargetBranch: "main", Title: "Feature"})
	require.NoError(t, err)
	require.Equal(t, first, v.MergeRequest.GetHeadSha())

	second := f.Commit("feature", "", "second", map[string]string{"b.txt": "bb\n"})
	counter.Reset()
	require.NoError(t, svc.RefsChanged(ctx, p, 1))
	require.Empty(t, counter.Runs(), "git processes spawned to follow the push")

	got, err := svc.Get(ctx, sc, v.MergeRequest.GetIid())
	require.NoError(t, err)
	require.Equal(t, second, got.MergeRequest.GetHeadSha())
	require.Equal(t, main, got.MergeRequest.GetBaseSha())
	checks.mu.Lock()
	defer checks.mu.Unlock()
	require.Len(t, checks.all, 2)
	update := checks.all[1]
	require.Equal(t, "update", update.Action)
	require.Equal(t, second, update.MergeRequest.GetHeadSha())
	require.Equal(t, string(mergerequest.StatusMergeable), update.MergeStatus)
}
