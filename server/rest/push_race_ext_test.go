package rest_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/server/servertest"
)

// holdLease is a go-redis hook that, once armed, stops the first attempt
// to take the lease of merge request 1 of project 1 until released: the
// writer that made it has read what it will write, and waits its turn.
type holdLease struct {
	armed    atomic.Bool
	once     sync.Once
	reached  chan struct{}
	released chan struct{}
}

func (h *holdLease) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *holdLease) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *holdLease) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		if h.armed.Load() && strings.EqualFold(cmd.Name(), "set") && len(args) > 1 {
			if key, _ := args[1].(string); strings.HasSuffix(key, "lease:mr:1:1") {
				first := false
				h.once.Do(func() { first = true })
				if first {
					close(h.reached)
					<-h.released
				}
			}
		}
		return next(ctx, cmd)
	}
}

// TestPushesFollowedOutOfOrderKeepTheNewestHead: two pushes to a merge
// request's source branch whose follow-ups reach the merge request's lease
// in the opposite order. The merge request must end at the branch's real
// head, so that an approval or a merge names what is on the branch; a
// follow-up that wrote the head it read before waiting would put the
// merge request back on the older commit.
func TestPushesFollowedOutOfOrderKeepTheNewestHead(t *testing.T) {
	t.Parallel()
	hook := &holdLease{reached: make(chan struct{}), released: make(chan struct{})}
	srv := servertest.New(t, servertest.WithRedisHook(hook))
	root, err := gitlab.NewClient(servertest.RootToken, gitlab.WithBaseURL(srv.URL+"/api/v4"))
	require.NoError(t, err)
	proj, _, err := root.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Race")})
	require.NoError(t, err)
	w := srv.Clone(t, proj.PathWithNamespace)
	main := w.Push("main", "", map[string]string{"README": "0\n"})
	w.Push("feature", main, map[string]string{"f": "0\n"})
	mr, _, err := root.MergeRequests.CreateMergeRequest(proj.ID, &gitlab.CreateMergeRequestOptions{
		SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main"), Title: gitlab.Ptr("Race"),
	})
	require.NoError(t, err)

	// Push A; its follow-up reads the branches, then waits for the lease.
	hook.armed.Store(true)
	pushedA := make(chan string, 1)
	go func() { pushedA <- w.Push("feature", "", map[string]string{"f": "A\n"}) }()
	<-hook.reached

	// Push B on top of A from another clone; its follow-up runs through.
	w2 := srv.Clone(t, proj.PathWithNamespace)
	w2.Git("fetch", "--quiet", "origin", "feature")
	w2.Branch("feature", "origin/feature")
	b := w2.Push("feature", "", map[string]string{"f": "B\n"})
	got, _, err := root.MergeRequests.GetMergeRequest(proj.ID, mr.IID, nil)
	require.NoError(t, err)
	require.Equal(t, b, got.SHA)

	// A's follow-up now takes the lease.
	close(hook.released)
	a := <-pushedA
	require.NotEqual(t, a, b)
	got, _, err = root.MergeRequests.GetMergeRequest(proj.ID, mr.IID, nil)
	require.NoError(t, err)
	require.Equal(t, b, got.SHA, "the merge request went back to the older head %s", a)

	_, _, err = root.MergeRequestApprovals.ApproveMergeRequest(proj.ID, mr.IID, &gitlab.ApproveMergeRequestOptions{SHA: gitlab.Ptr(a)})
	requireStatus(t, err, 409)
	_, _, err = root.MergeRequestApprovals.ApproveMergeRequest(proj.ID, mr.IID, &gitlab.ApproveMergeRequestOptions{SHA: gitlab.Ptr(b)})
	require.NoError(t, err)
}
