package api

import (
	"context"
	"strconv"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/pipeline"
)

type pipelineHandler struct{ handlers }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (h pipelineHandler) GetPipeline(ctx context.Context, req *signalboxv1.GetPipelineRequest) (*signalboxv1.GetPipelineResponse, error) {
	sc := scopeFrom(ctx)
	pl, err := h.deps.Pipelines.Get(ctx, sc, req.GetPipelineId())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	user, err := h.deps.Users.Get(ctx, pl.GetUserId())
	if err != nil {
		user = nil // the user was removed; the pipeline stays
	}
	return &signalboxv1.GetPipelineResponse{Pipeline: h.urls.toPipeline(sc.Project, pl, user)}, nil
}

func (h pipelineHandler) SetCommitStatus(ctx context.Context, req *signalboxv1.SetCommitStatusRequest) (*signalboxv1.SetCommitStatusResponse, error) {
	sc := scopeFrom(ctx)
	st, _, err := h.deps.Pipelines.SetStatus(ctx, sc, pipeline.StatusParams{
		SHA: req.GetSha(), Ref: req.GetRef(), Name: req.GetName(), TargetURL: req.GetTargetUrl(),
		Description: req.GetDescription(), State: req.GetState(), PipelineID: req.GetPipelineId(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.SetCommitStatusResponse{Status: h.toCommitStatus(ctx, st)}, nil
}

func (h pipelineHandler) ListCommitStatuses(ctx context.Context, req *signalboxv1.ListCommitStatusesRequest) (*signalboxv1.ListCommitStatusesResponse, error) {
	all, err := h.deps.Pipelines.Statuses(ctx, scopeFrom(ctx), req.GetSha(), req.GetRef(), req.GetName())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListCommitStatusesResponse{TotalSize: int64(len(all))}
	for _, st := range page(all, req.GetPage(), req.GetPerPage()) {
		out.Statuses = append(out.Statuses, h.toCommitStatus(ctx, st))
	}
	return out, nil
}

func (h pipelineHandler) toCommitStatus(ctx context.Context, st *storagev1.CommitStatus) *signalboxv1.CommitStatus {
	out := &signalboxv1.CommitStatus{
		Id: st.GetId(), Sha: st.GetSha(), Ref: st.GetRef(), Status: signalboxv1.PipelineStatus(st.GetStatus()),
		Name: st.GetName(), TargetUrl: st.GetTargetUrl(), Description: st.GetDescription(),
		CreateTime: st.GetCreateTime(), StartTime: st.GetStartTime(), FinishTime: st.GetFinishTime(),
		PipelineId: st.GetPipelineId(), AllowFailure: st.GetAllowFailure(),
	}
	if u, err := h.deps.Users.Get(ctx, st.GetAuthorId()); err == nil {
		out.Author = h.urls.toUser(u, false)
	}
	return out
}

func (h pipelineHandler) CreateProjectHook(ctx context.Context, req *signalboxv1.CreateProjectHookRequest) (*signalboxv1.CreateProjectHookResponse, error) {
	hook, err := h.deps.Pipelines.CreateHook(ctx, scopeFrom(ctx), pipeline.HookParams{
		URL: req.GetUrl(), PipelineEvents: req.GetPipelineEvents(), MergeRequestEvents: req.GetMergeRequestsEvents(),
		Push: req.GetPushEvents(), Token: req.GetToken(), EnableSSLVerification: req.GetEnableSslVerification(),
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.CreateProjectHookResponse{Hook: toHook(hook)}, nil
}

func (h pipelineHandler) ListProjectHooks(ctx context.Context, _ *signalboxv1.ListProjectHooksRequest) (*signalboxv1.ListProjectHooksResponse, error) {
	all, err := h.deps.Pipelines.ListHooks(ctx, scopeFrom(ctx))
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	out := &signalboxv1.ListProjectHooksResponse{}
	for _, hook := range all {
		out.Hooks = append(out.Hooks, toHook(hook))
	}
	return out, nil
}

func (h pipelineHandler) DeleteProjectHook(ctx context.Context, req *signalboxv1.DeleteProjectHookRequest) (*signalboxv1.DeleteProjectHookResponse, error) {
	if err := h.deps.Pipelines.DeleteHook(ctx, scopeFrom(ctx), req.GetHookId()); err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.DeleteProjectHookResponse{}, nil
}

func toHook(h *storagev1.ProjectHook) *signalboxv1.ProjectHook {
	return &signalboxv1.ProjectHook{
		Id: h.GetId(), ProjectId: h.GetProjectId(), Url: h.GetUrl(), PipelineEvents: h.GetPipelineEvents(),
		MergeRequestsEvents: h.GetMergeRequestsEvents(), PushEvents: h.GetPushEvents(),
		EnableSslVerification: h.GetEnableSslVerification(), CreateTime: h.GetCreateTime(),
		HasToken: len(h.GetSealedToken()) > 0,
	}
}

func (h pipelineHandler) GetProjectHook(ctx context.Context, req *signalboxv1.GetProjectHookRequest) (*signalboxv1.GetProjectHookResponse, error) {
	hook, err := h.deps.Pipelines.GetHook(ctx, scopeFrom(ctx), req.GetHookId())
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.GetProjectHookResponse{Hook: toHook(hook)}, nil
}

func (h pipelineHandler) UpdateProjectHook(ctx context.Context, req *signalboxv1.UpdateProjectHookRequest) (*signalboxv1.UpdateProjectHookResponse, error) {
	hook, err := h.deps.Pipelines.UpdateHook(ctx, scopeFrom(ctx), req.GetHookId(), pipeline.HookUpdate{
		URL: req.GetUrl(), PipelineEvents: req.PipelineEvents, MergeRequestEvents: req.MergeRequestsEvents,
		Push: req.PushEvents, Token: req.Token, EnableSSLVerification: req.EnableSslVerification,
	})
	if err != nil {
		return nil, toConnect(ctx, h.logger, err)
	}
	return &signalboxv1.UpdateProjectHookResponse{Hook: toHook(hook)}, nil
}
