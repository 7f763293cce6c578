package signalbox

import (
	"context"
	"iter"

	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
)

// perPage is the page size the iterators ask for: the API's maximum, so a
// listing takes as few calls as it can.
const perPage = 100

// AllProjects yields the projects the caller can see, as
// [signalboxv1.ProjectServiceClient.ListProjects] pages them. req holds the
// filters, nil for none; see Iterators in the package documentation.
func (c *Client) AllProjects(ctx context.Context, req *signalboxv1.ListProjectsRequest) iter.Seq2[*signalboxv1.Project, error] {
	return paginate(ctx, req, c.Projects.ListProjects,
		func(r *signalboxv1.ListProjectsRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListProjectsResponse).GetProjects,
		(*signalboxv1.ListProjectsResponse).GetTotalSize)
}

// AllMembers yields a project's members, as
// [signalboxv1.MemberServiceClient.ListMembers] pages them. req names the
// project and holds the filters; see Iterators in the package
// documentation.
func (c *Client) AllMembers(ctx context.Context, req *signalboxv1.ListMembersRequest) iter.Seq2[*signalboxv1.Member, error] {
	return paginate(ctx, req, c.Members.ListMembers,
		func(r *signalboxv1.ListMembersRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListMembersResponse).GetMembers,
		(*signalboxv1.ListMembersResponse).GetTotalSize)
}

// AllProtectedBranches yields a project's protected branches, as
// [signalboxv1.ProtectedBranchServiceClient.ListProtectedBranches] pages
// them. req names the project and holds the filters; see Iterators in the
// package documentation.
func (c *Client) AllProtectedBranches(ctx context.Context, req *signalboxv1.ListProtectedBranchesRequest) iter.Seq2[*signalboxv1.ProtectedBranch, error] {
	return paginate(ctx, req, c.ProtectedBranches.ListProtectedBranches,
		func(r *signalboxv1.ListProtectedBranchesRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListProtectedBranchesResponse).GetProtectedBranches,
		(*signalboxv1.ListProtectedBranchesResponse).GetTotalSize)
}

// AllStatusChecks yields a project's external status checks, as
// [signalboxv1.StatusCheckServiceClient.ListStatusChecks] pages them. req
// names the project; see Iterators in the package documentation.
func (c *Client) AllStatusChecks(ctx context.Context, req *signalboxv1.ListStatusChecksRequest) iter.Seq2[*signalboxv1.ExternalStatusCheck, error] {
	return paginate(ctx, req, c.StatusChecks.ListStatusChecks,
		func(r *signalboxv1.ListStatusChecksRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListStatusChecksResponse).GetChecks,
		(*signalboxv1.ListStatusChecksResponse).GetTotalSize)
}

// AllMergeRequestStatusChecks yields the status checks that apply to a
// merge request, with their status at its head, as
// [signalboxv1.StatusCheckServiceClient.ListMergeRequestStatusChecks] pages
// them. req names the project and merge request; see Iterators in the
// package documentation.
func (c *Client) AllMergeRequestStatusChecks(ctx context.Context, req *signalboxv1.ListMergeRequestStatusChecksRequest) iter.Seq2[*signalboxv1.MergeRequestStatusCheck, error] {
	return paginate(ctx, req, c.StatusChecks.ListMergeRequestStatusChecks,
		func(r *signalboxv1.ListMergeRequestStatusChecksRequest, page int32) {
			r.Page, r.PerPage = page, perPage
		},
		(*signalboxv1.ListMergeRequestStatusChecksResponse).GetStatusChecks,
		(*signalboxv1.ListMergeRequestStatusChecksResponse).GetTotalSize)
}

// AllMergeTrainCars yields the cars of a project's merge trains (of one
// target branch, when req names one), as
// [signalboxv1.MergeTrainServiceClient.ListMergeTrainCars] pages them. req
// names the project and holds the filters; see Iterators in the package
// documentation.
func (c *Client) AllMergeTrainCars(ctx context.Context, req *signalboxv1.ListMergeTrainCarsRequest) iter.Seq2[*signalboxv1.MergeTrainCar, error] {
	return paginate(ctx, req, c.MergeTrains.ListMergeTrainCars,
		func(r *signalboxv1.ListMergeTrainCarsRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListMergeTrainCarsResponse).GetCars,
		(*signalboxv1.ListMergeTrainCarsResponse).GetTotalSize)
}

// AllCommitStatuses yields the statuses CI reported on a commit, newest
// first, as [signalboxv1.PipelineServiceClient.ListCommitStatuses] pages
// them. req names the project and sha; see Iterators in the package
// documentation.
func (c *Client) AllCommitStatuses(ctx context.Context, req *signalboxv1.ListCommitStatusesRequest) iter.Seq2[*signalboxv1.CommitStatus, error] {
	return paginate(ctx, req, c.Pipelines.ListCommitStatuses,
		func(r *signalboxv1.ListCommitStatusesRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListCommitStatusesResponse).GetStatuses,
		(*signalboxv1.ListCommitStatusesResponse).GetTotalSize)
}

// AllMergeRequests yields a project's merge requests, newest first, as
// [signalboxv1.MergeRequestServiceClient.ListMergeRequests] pages them. req
// names the project and holds the filters; see Iterators in the package
// documentation.
func (c *Client) AllMergeRequests(ctx context.Context, req *signalboxv1.ListMergeRequestsRequest) iter.Seq2[*signalboxv1.MergeRequest, error] {
	return paginate(ctx, req, c.MergeRequests.ListMergeRequests,
		func(r *signalboxv1.ListMergeRequestsRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListMergeRequestsResponse).GetMergeRequests,
		(*signalboxv1.ListMergeRequestsResponse).GetTotalSize)
}

// AllBranches yields a project's git branches, as
// [signalboxv1.RepositoryServiceClient.ListBranches] pages them. req names
// the project and holds the filters; see Iterators in the package
// documentation.
func (c *Client) AllBranches(ctx context.Context, req *signalboxv1.ListBranchesRequest) iter.Seq2[*signalboxv1.Branch, error] {
	return paginate(ctx, req, c.Repository.ListBranches,
		func(r *signalboxv1.ListBranchesRequest, page int32) { r.Page, r.PerPage = page, perPage },
		(*signalboxv1.ListBranchesResponse).GetBranches,
		(*signalboxv1.ListBranchesResponse).GetTotalSize)
}

// paginate calls list for page 1, 2, ... of a copy of template and yields
// the items, until total items were seen or a page is empty.
func paginate[Req proto.Message, Res any, T any](
	ctx context.Context,
	template Req,
	list func(context.Context, Req) (Res, error),
	setPage func(req Req, page int32),
	items func(Res) []T,
	total func(Res) int64,
) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var seen int64
		for page := int32(1); ; page++ {
			req := clone(template)
			setPage(req, page)
			res, err := list(ctx, req)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			got := items(res)
			for _, item := range got {
				if !yield(item, nil) {
					return
				}
			}
			seen += int64(len(got))
			if len(got) == 0 || seen >= total(res) {
				return
			}
		}
	}
}

// clone copies a request, or makes an empty one for a nil template.
func clone[M proto.Message](m M) M {
	r := m.ProtoReflect()
	if !r.IsValid() {
		return r.Type().New().Interface().(M)
	}
	return proto.Clone(m).(M)
}
