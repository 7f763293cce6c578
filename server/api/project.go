package api

import (
	"context"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

type projectHandler struct{ handlers }

func (h projectHandler) CreateProject(ctx context.Context, req *signalboxv1.CreateProjectRequest) (*signalboxv1.CreateProjectResponse, error) {
	p, err := h.deps.Projects.Create(ctx, auth.FromContext(ctx), project.CreateParams{
		Name:          req.GetName(),
		Path:          req.GetPath(),
		NamespaceID:   req.GetNamespaceId(),
		Description:   req.GetDescription(),
		Visibility:    req.GetVisibility(),
		DefaultBranch: req.GetDefaultBranch(),
		Settings:      req.GetSettings(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CreateProjectResponse{Project: h.urls.toProject(p)}, nil
}

func (h projectHandler) GetProject(ctx context.Context, _ *signalboxv1.GetProjectRequest) (*signalboxv1.GetProjectResponse, error) {
	return &signalboxv1.GetProjectResponse{Project: h.urls.toProject(scopeFrom(ctx).Project)}, nil
}

func (h projectHandler) ListProjects(ctx context.Context, req *signalboxv1.ListProjectsRequest) (*signalboxv1.ListProjectsResponse, error) {
	all, err := h.deps.Projects.Find(ctx, auth.FromContext(ctx), listOptions(req))
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListProjectsResponse{TotalSize: int64(len(all))}
	for _, p := range page(all, req.GetPage(), req.GetPerPage()) {
		out.Projects = append(out.Projects, h.urls.toProject(p))
	}
	return out, nil
}

func (h projectHandler) UpdateProject(ctx context.Context, req *signalboxv1.UpdateProjectRequest) (*signalboxv1.UpdateProjectResponse, error) {
	params := project.UpdateParams{
		Name:          req.Name,
		Description:   req.Description,
		DefaultBranch: req.DefaultBranch,
		Settings:      req.GetSettings(),
	}
	if req.Visibility != nil {
		v := req.GetVisibility()
		params.Visibility = &v
	}
	p, err := h.deps.Projects.Update(ctx, scopeFrom(ctx), params)
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UpdateProjectResponse{Project: h.urls.toProject(p)}, nil
}
