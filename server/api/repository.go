package api

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/repository"
)

type repositoryHandler struct{ handlers }

func (h repositoryHandler) ListBranches(ctx context.Context, req *signalboxv1.ListBranchesRequest) (*signalboxv1.ListBranchesResponse, error) {
	sc := scopeFrom(ctx)
	all, err := h.deps.Repository.Branches(ctx, sc, req.GetSearch())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListBranchesResponse{TotalSize: int64(len(all))}
	for _, b := range page(all, req.GetPage(), req.GetPerPage()) {
		out.Branches = append(out.Branches, h.toBranch(fullPath(sc.Project), b))
	}
	return out, nil
}

func (h repositoryHandler) GetBranch(ctx context.Context, req *signalboxv1.GetBranchRequest) (*signalboxv1.GetBranchResponse, error) {
	sc := scopeFrom(ctx)
	b, err := h.deps.Repository.Branch(ctx, sc, req.GetBranch())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetBranchResponse{Branch: h.toBranch(fullPath(sc.Project), b)}, nil
}

func (h repositoryHandler) GetCommit(ctx context.Context, req *signalboxv1.GetCommitRequest) (*signalboxv1.GetCommitResponse, error) {
	sc := scopeFrom(ctx)
	c, err := h.deps.Repository.Commit(ctx, sc, req.GetSha())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetCommitResponse{Commit: h.toCommit(fullPath(sc.Project), c), ProjectId: sc.Project.GetId()}, nil
}

func (h repositoryHandler) ListCommits(ctx context.Context, req *signalboxv1.ListCommitsRequest) (*signalboxv1.ListCommitsResponse, error) {
	sc := scopeFrom(ctx)
	q := repository.LogQuery{
		Ref: req.GetRefName(), All: req.GetAll(), Path: req.GetPath(), Author: req.GetAuthor(),
		FirstParent: req.GetFirstParent(), Topo: req.GetTopoOrder(),
		Page: int(req.GetPage()), PerPage: int(req.GetPerPage()),
	}
	if req.GetPerPage() == 0 {
		q.PerPage = 20
	}
	if req.GetSince() != nil {
		q.Since = req.GetSince().AsTime()
	}
	if req.GetUntil() != nil {
		q.Until = req.GetUntil().AsTime()
	}
	commits, more, err := h.deps.Repository.Log(ctx, sc, q)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListCommitsResponse{HasNextPage: more}
	for _, c := range commits {
		pc := h.toCommit(fullPath(sc.Project), c)
		if req.GetTrailers() {
			for _, t := range c.Trailers() {
				pc.Trailers = append(pc.Trailers, &signalboxv1.Trailer{Key: t.Key, Value: t.Value})
			}
		}
		out.Commits = append(out.Commits, pc)
	}
	return out, nil
}

func (h repositoryHandler) toCommit(projectPath string, c *repository.Commit) *signalboxv1.Commit {
	return &signalboxv1.Commit{
		Id: c.ID, Title: c.Title, Message: c.Message,
		AuthorName: c.AuthorName, AuthorEmail: c.AuthorEmail, AuthoredTime: timestamppb.New(c.AuthoredTime),
		CommitterName: c.CommitterName, CommitterEmail: c.CommitterEmail, CommittedTime: timestamppb.New(c.CommittedTime),
		ParentIds: c.ParentIDs, WebUrl: h.urls.project(projectPath) + "/-/commit/" + c.ID,
	}
}

func (h repositoryHandler) toBranch(projectPath string, b *repository.Branch) *signalboxv1.Branch {
	return &signalboxv1.Branch{
		Name:      b.Name,
		Commit:    h.toCommit(projectPath, b.Commit),
		Protected: b.Protected, Default: b.Default, DevelopersCanPush: b.DevelopersCanPush,
		DevelopersCanMerge: b.DevelopersCanMerge, CanPush: b.CanPush, Merged: b.Merged,
		WebUrl: h.urls.project(projectPath) + "/-/tree/" + b.Name,
	}
}
