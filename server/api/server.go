// Package api is the one implementation behind every door: the Connect
// handlers that serve gRPC, gRPC-Web and Connect, and that the REST adapter
// calls in process. Auth, project scoping and validation run here, as
// interceptors, so no door can skip them.
package api

import (
	"log/slog"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect/v2"
	"connectrpc.com/validate"

	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/mergetrain"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/user"
)

// Deps are what the handlers need.
type Deps struct {
	Users         *user.Service
	Projects      *project.Service
	StatusChecks  *statuscheck.Service
	MergeRequests *mergerequest.Service
	MergeTrains   *mergetrain.Service
	Pipelines     *pipeline.Service
	Repository    *repository.Service
	Events        event.Bus
	Validator     protovalidate.Validator
	// Prefetcher, when set, reads the status check hot paths' records
	// ahead, in a few round trips (see prefetchInterceptor).
	Prefetcher store.Prefetcher
	// ExternalURL is the base of the browser URLs in responses.
	ExternalURL string
	// Watch bounds WatchMergeRequest streams.
	Watch  WatchLimits
	Logger *slog.Logger
}

// NewServer returns a Connect server with every service registered. The
// interceptors run in this order: recover, log, auth (401), project scope
// (the project's 404), validation (400), so all doors answer in GitLab's
// order; the list limit then bounds what one answer may carry.
func NewServer(d Deps) *connect.Server {
	server := connect.NewServer(
		recoverInterceptor(d.Logger),
		logInterceptor(d.Logger),
		prefetchInterceptor(d.Prefetcher),
		authInterceptor(d.Users, d.Logger),
		scopeInterceptor(d.Projects, d.Logger),
		conditionalInterceptor(),
		validate.NewServerInterceptor(validate.WithValidator(d.Validator)),
		listLimitInterceptor(d.Logger),
	)
	h := handlers{deps: d, urls: newURLs(d.ExternalURL), logger: d.Logger,
		watchLimits: d.Watch, watchers: newWatchers(d.Watch.MaxPerUser)}
	signalboxv1connect.RegisterUserServiceHandler(server, userHandler{h})
	signalboxv1connect.RegisterProjectServiceHandler(server, projectHandler{h})
	signalboxv1connect.RegisterMemberServiceHandler(server, memberHandler{h})
	signalboxv1connect.RegisterProtectedBranchServiceHandler(server, protectedBranchHandler{h})
	signalboxv1connect.RegisterStatusCheckServiceHandler(server, statusCheckHandler{h})
	signalboxv1connect.RegisterMergeRequestServiceHandler(server, mergeRequestHandler{h})
	signalboxv1connect.RegisterRepositoryServiceHandler(server, repositoryHandler{h})
	signalboxv1connect.RegisterMergeTrainServiceHandler(server, mergeTrainHandler{h})
	signalboxv1connect.RegisterPipelineServiceHandler(server, pipelineHandler{h})
	signalboxv1connect.RegisterMetadataServiceHandler(server, metadataHandler{h})
	return server
}

// ServiceNames lists the fully-qualified names of the services NewServer
// registers, for reflection and health.
func ServiceNames() []string {
	return []string{
		signalboxv1connect.UserServiceName,
		signalboxv1connect.ProjectServiceName,
		signalboxv1connect.MemberServiceName,
		signalboxv1connect.ProtectedBranchServiceName,
		signalboxv1connect.StatusCheckServiceName,
		signalboxv1connect.MergeRequestServiceName,
		signalboxv1connect.RepositoryServiceName,
		signalboxv1connect.MergeTrainServiceName,
		signalboxv1connect.PipelineServiceName,
		signalboxv1connect.MetadataServiceName,
	}
}

// handlers holds what every handler shares.
type handlers struct {
	deps        Deps
	urls        urls
	logger      *slog.Logger
	watchLimits WatchLimits
	// watchers is shared by every handler value: one count per server.
	watchers *watchers
}
