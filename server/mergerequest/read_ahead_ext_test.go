package mergerequest_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store/redisstore"
	"github.com/signalbox/signalbox/server/store/redistest"
)

// askedRepo is a repository whose merge base is answered only once the
// head's merge status (a merge-tree) and its commit have been asked too:
// asked one after another, the merge base would wait in vain.
type askedRepo struct {
	repository.Repository // what the test does not use
	t                     *testing.T

	mu       sync.Mutex
	branches map[string]string
	asked    map[string]chan struct{} // "conflicts <sha>", "commit <sha>"
}

func (r *askedRepo) Open(context.Context, *storagev1.Project) (repository.Repository, error) {
	return r, nil
}

func (r *askedRepo) question(q string) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.asked[q]
	if !ok {
		c = make(chan struct{})
		r.asked[q] = c
	}
	return c
}

func (r *askedRepo) ask(q string) {
	c := r.question(q)
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-c:
	default:
		close(c)
	}
}

func (r *askedRepo) Branches(context.Context) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for k, v := range r.branches {
		out[k] = v
	}
	return out, nil
}

func (r *askedRepo) Ref(_ context.Context, ref string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.branches[strings.TrimPrefix(ref, "refs/heads/")], nil
}

func (r *askedRepo) Conflicts(_ context.Context, _, source string) ([]string, error) {
	r.ask("conflicts " + source)
	return nil, nil
}

func (r *askedRepo) Commit(_ context.Context, sha string) (*repository.Commit, error) {
	r.ask("commit " + sha)
	return &repository.Commit{ID: sha}, nil
}

func (r *askedRepo) MergeBase(_ context.Context, start, head string) (string, error) {
	// The bound only ends a failing run.
	bound := time.NewTimer(time.Minute)
	defer bound.Stop()
	for _, q := range []string{"conflicts " + head, "commit " + head} {
		select {
		case <-r.question(q):
		case <-bound.C:
			r.t.Errorf("the merge base of %s was asked without %q asked beside it", head, q)
			return start, nil
		}
	}
	return start, nil
}

// dispatches records what the status checks were told.
type dispatches struct {
	mu  sync.Mutex
	all []statuscheck.Change
}

func (d *dispatches) AllPassed(context.Context, *storagev1.Project, *storagev1.MergeRequest) (bool, error) {
	return true, nil
}

func (d *dispatches) Dispatch(_ context.Context, ch statuscheck.Change) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.all = append(d.all, ch)
	return nil
}

type noPipelines struct{}

func (noPipelines) Newest(context.Context, int64, string, string) (*storagev1.Pipeline, error) {
	return nil, nil
}

// TestNewHeadAsksGitAtOnce: opening a merge request and a push that moves
// its head ask git the dispatch's questions (the merge status, the head
// commit for the payloads) at the same time as the merge base, not one
// after another, and the dispatch still gets the merge status.
func TestNewHeadAsksGitAtOnce(t *testing.T) {
	rd := redistest.New(t)
	st := redisstore.New(rd.Client(t), redisstore.WithKeyPrefix(redistest.Prefix(t)))
	main, first, second := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)
	repo := &askedRepo{t: t, branches: map[string]string{"main": main, "feature": first}, asked: map[string]chan struct{}{}}
	checks := &dispatches{}
	svc := mergerequest.NewService(mergerequest.Deps{
		Store: st, Repos: repo, Checks: checks, Pipelines: noPipelines{}, Events: event.NewLocal(),
		Clock: clock.NewFake(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)), Logger: slog.New(slog.DiscardHandler), Holder: "test",
	})
	p := &storagev1.Project{Id: 1, Path: "demo", DefaultBranch: "main"}
	sc := &project.Scope{Project: p, Caller: &auth.Principal{UserID: 1}, Level: auth.Maintainer}
	ctx := t.Context()

	v, err := svc.Create(ctx, sc, mergerequest.CreateParams{SourceBranch: "feature", TargetBranch: "main", Title: "Feature"})
	require.NoError(t, err)
	require.Equal(t, first, v.MergeRequest.GetHeadSha())

	repo.mu.Lock()
	repo.branches["feature"] = second
	repo.mu.Unlock()
	require.NoError(t, svc.RefsChanged(ctx, p, 1))

	checks.mu.Lock()
	defer checks.mu.Unlock()
	require.Len(t, checks.all, 2)
	for i, want := range []struct{ action, head string }{{"open", first}, {"update", second}} {
		ch := checks.all[i]
		require.Equal(t, want.action, ch.Action)
		require.Equal(t, want.head, ch.MergeRequest.GetHeadSha())
		require.Equal(t, string(mergerequest.StatusMergeable), ch.MergeStatus)
	}
}
