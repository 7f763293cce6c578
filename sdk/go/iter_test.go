package signalbox_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/servertest"
)

func TestAllProtectedBranchesWalksEveryPage(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	seen := newCalls()
	c := rootClient(t, srv, signalbox.WithInterceptors(seen.interceptor()))
	ref := createProject(t, c, "many-branches")
	var want, releases []string
	for i := range 250 {
		name := fmt.Sprintf("hotfix/%03d", i)
		if i%2 == 0 {
			name = fmt.Sprintf("release/%03d", i)
			releases = append(releases, name)
		}
		_, err := c.ProtectedBranches.ProtectBranch(t.Context(), &signalboxv1.ProtectBranchRequest{Project: ref, Name: name})
		require.NoError(t, err)
		want = append(want, name)
	}
	const list = signalboxv1connect.ProtectedBranchServiceListProtectedBranchesProcedure

	template := &signalboxv1.ListProtectedBranchesRequest{Project: ref, Page: 7, PerPage: 3}
	var got []string
	for b, err := range c.AllProtectedBranches(t.Context(), template) {
		require.NoError(t, err)
		got = append(got, b.GetName())
	}
	require.ElementsMatch(t, want, got, "each branch once, none missing")
	require.Equal(t, 3, seen.of(list), "pages of 100")
	require.EqualValues(t, 7, template.GetPage(), "the template is not changed")

	// Breaking out early fetches no further page.
	n := 0
	for _, err := range c.AllProtectedBranches(t.Context(), &signalboxv1.ListProtectedBranchesRequest{Project: ref}) {
		require.NoError(t, err)
		if n++; n == 150 {
			break
		}
	}
	require.Equal(t, 3+2, seen.of(list))

	// The template's filters apply to every page: 125 releases take two.
	var searched []string
	for b, err := range c.AllProtectedBranches(t.Context(), &signalboxv1.ListProtectedBranchesRequest{Project: ref, Search: "release"}) {
		require.NoError(t, err)
		searched = append(searched, b.GetName())
	}
	require.ElementsMatch(t, releases, searched)
	require.Equal(t, 3+2+2, seen.of(list))
}

func TestAllStatusChecksWalksEveryPage(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	c := rootClient(t, srv)
	ref := createProject(t, c, "many-checks")
	for i := range 201 {
		_, err := c.StatusChecks.CreateStatusCheck(t.Context(), &signalboxv1.CreateStatusCheckRequest{
			Project:     ref,
			Name:        proto.String(fmt.Sprintf("check %03d", i)),
			ExternalUrl: proto.String(fmt.Sprintf("https://checks.example.test/%d", i)),
		})
		require.NoError(t, err)
	}
	var names []string
	for check, err := range c.AllStatusChecks(t.Context(), &signalboxv1.ListStatusChecksRequest{Project: ref}) {
		require.NoError(t, err)
		names = append(names, check.GetName())
	}
	require.Len(t, names, 201)
	require.Equal(t, "check 000", names[0], "by id")
	require.Equal(t, "check 200", names[200])
}

func TestAllProjectsWithoutATemplate(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	c := rootClient(t, srv)
	for _, p := range []string{"a", "b", "c"} {
		createProject(t, c, p)
	}
	var paths []string
	for p, err := range c.AllProjects(t.Context(), nil) {
		require.NoError(t, err)
		paths = append(paths, p.GetPathWithNamespace())
	}
	// Newest first, GitLab's default order (created_at desc).
	require.Equal(t, []string{"root/c", "root/b", "root/a"}, paths)
}

// TestIteratorsOverARepository walks the lists that need git: branches,
// merge requests, a merge request's checks, and members.
func TestIteratorsOverARepository(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	c := rootClient(t, srv)
	r := newRepo(t, srv, c, "repo")
	_, err := c.StatusChecks.CreateStatusCheck(t.Context(), &signalboxv1.CreateStatusCheckRequest{
		Project: r.project, Name: proto.String("lint"), ExternalUrl: proto.String("https://lint.example.test/"),
	})
	require.NoError(t, err)

	var branches []string
	for b, err := range c.AllBranches(t.Context(), &signalboxv1.ListBranchesRequest{Project: r.project}) {
		require.NoError(t, err)
		branches = append(branches, b.GetName())
	}
	require.ElementsMatch(t, []string{"main", "feature"}, branches)

	var mrs []int64
	for mr, err := range c.AllMergeRequests(t.Context(), &signalboxv1.ListMergeRequestsRequest{Project: r.project}) {
		require.NoError(t, err)
		mrs = append(mrs, mr.GetIid())
	}
	require.Equal(t, []int64{r.mrIID}, mrs)

	var checks []string
	for sc, err := range c.AllMergeRequestStatusChecks(t.Context(), &signalboxv1.ListMergeRequestStatusChecksRequest{
		Project: r.project, MergeRequestIid: r.mrIID,
	}) {
		require.NoError(t, err)
		checks = append(checks, sc.GetName())
	}
	require.Equal(t, []string{"lint"}, checks)

	var members []string
	for m, err := range c.AllMembers(t.Context(), &signalboxv1.ListMembersRequest{Project: r.project}) {
		require.NoError(t, err)
		members = append(members, m.GetUsername())
	}
	require.Equal(t, []string{"root"}, members)

	for _, job := range []string{"build", "test"} {
		_, err := c.Pipelines.SetCommitStatus(t.Context(), &signalboxv1.SetCommitStatusRequest{
			Project: r.project, Sha: r.head, Name: job, State: signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS,
		})
		require.NoError(t, err)
	}
	var jobs []string
	for st, err := range c.AllCommitStatuses(t.Context(), &signalboxv1.ListCommitStatusesRequest{Project: r.project, Sha: r.head}) {
		require.NoError(t, err)
		jobs = append(jobs, st.GetName())
	}
	require.Equal(t, []string{"test", "build"}, jobs, "newest first")

	_, err = c.Projects.UpdateProject(t.Context(), &signalboxv1.UpdateProjectRequest{
		Project: r.project, Settings: &signalboxv1.ProjectSettingsPatch{MergeTrainsEnabled: proto.Bool(true)},
	})
	require.NoError(t, err)
	added, err := c.MergeTrains.AddToMergeTrain(t.Context(), &signalboxv1.AddToMergeTrainRequest{Project: r.project, MergeRequestIid: r.mrIID})
	require.NoError(t, err)
	require.True(t, added.GetOnTrain())
	var cars []int64
	for car, err := range c.AllMergeTrainCars(t.Context(), &signalboxv1.ListMergeTrainCarsRequest{Project: r.project, TargetBranch: "main"}) {
		require.NoError(t, err)
		cars = append(cars, car.GetMergeRequest().GetIid())
	}
	require.Equal(t, []int64{r.mrIID}, cars)
}

func TestIteratorStopsAtTheFirstError(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	c := rootClient(t, srv)
	n := 0
	for check, err := range c.AllStatusChecks(t.Context(), &signalboxv1.ListStatusChecksRequest{Project: "root/missing"}) {
		n++
		require.Nil(t, check)
		require.True(t, signalbox.IsNotFound(err))
		require.Equal(t, signalboxv1.Reason_REASON_PROJECT_NOT_FOUND, signalbox.ReasonOf(err))
	}
	require.Equal(t, 1, n)
}

// endless claims more projects than it has, to show that an empty page
// ends the walk even when total_size says otherwise.
type endless struct {
	signalboxv1connect.UnimplementedProjectServiceHandler
	calls atomic.Int32
}

func (e *endless) ListProjects(_ context.Context, req *signalboxv1.ListProjectsRequest) (*signalboxv1.ListProjectsResponse, error) {
	e.calls.Add(1)
	res := &signalboxv1.ListProjectsResponse{TotalSize: 1000}
	if req.GetPage() <= 2 {
		for i := range req.GetPerPage() {
			res.Projects = append(res.Projects, &signalboxv1.Project{Id: int64(req.GetPage())*1000 + int64(i)})
		}
	}
	return res, nil
}

func TestIteratorStopsAtAnEmptyPage(t *testing.T) {
	t.Parallel()
	e := &endless{}
	server := connect.NewServer()
	signalboxv1connect.RegisterProjectServiceHandler(server, e)
	url := serveHandler(t, server)
	c, err := signalbox.New(url)
	require.NoError(t, err)
	n := 0
	for _, err := range c.AllProjects(t.Context(), nil) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 200, n)
	require.EqualValues(t, 3, e.calls.Load())
}
