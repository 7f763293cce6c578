// Package pipeline owns what CI reports: commit statuses (GitLab's commit
// status API), the pipelines they make up, and project hooks that tell CI
// about new pipelines. A pipeline's status is the aggregate of its commit
// statuses; merge trains create one pipeline per car.
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"sort"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/secret"
	"github.com/signalbox/signalbox/server/store"
)

// Errors of the pipeline domain.
var (
	// ErrNotFound means the project has no such pipeline.
	ErrNotFound = errors.New("pipeline not found")
	// ErrCommitNotFound means the repository has no such commit.
	ErrCommitNotFound = errors.New("commit not found")
	// ErrHookNotFound means the project has no such hook.
	ErrHookNotFound = errors.New("hook not found")
)

// Announcer tells CI about a pipeline (through project hooks).
type Announcer interface {
	AnnouncePipeline(ctx context.Context, p *storagev1.Project, pl *storagev1.Pipeline) error
}

// Service is the pipeline domain.
type Service struct {
	store     store.Store
	repos     repository.Repositories
	box       *secret.Box
	announcer Announcer
	events    event.Bus
	clock     clock.Clock
	logger    *slog.Logger
	holder    *lease.Holder // names each hold apart (see lease.Holder)
	finished  func(*storagev1.Pipeline)
}

// Deps are what a Service needs.
type Deps struct {
	Store store.Store
	Repos repository.Repositories
	// Box seals hook tokens.
	Box       *secret.Box
	Announcer Announcer
	Events    event.Bus
	Clock     clock.Clock
	Logger    *slog.Logger
	// Holder names this replica in pipeline leases.
	Holder string
	// Finished, if set, is told of every pipeline this replica saw
	// complete, once it is stored (for metrics).
	Finished func(*storagev1.Pipeline)
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{
		store: d.Store, repos: d.Repos, box: d.Box, announcer: d.Announcer, events: d.Events,
		clock: d.Clock, logger: d.Logger, holder: lease.NewHolder(d.Holder), finished: d.Finished,
	}
}

// Status is a pipeline status.
type Status = signalboxv1.PipelineStatus

// The statuses.
const (
	Created  = signalboxv1.PipelineStatus_PIPELINE_STATUS_CREATED
	Pending  = signalboxv1.PipelineStatus_PIPELINE_STATUS_PENDING
	Running  = signalboxv1.PipelineStatus_PIPELINE_STATUS_RUNNING
	Success  = signalboxv1.PipelineStatus_PIPELINE_STATUS_SUCCESS
	Failed   = signalboxv1.PipelineStatus_PIPELINE_STATUS_FAILED
	Canceled = signalboxv1.PipelineStatus_PIPELINE_STATUS_CANCELED
	Skipped  = signalboxv1.PipelineStatus_PIPELINE_STATUS_SKIPPED
)

// Complete reports whether s is final.
func Complete(s Status) bool {
	return s == Success || s == Failed || s == Canceled || s == Skipped
}

// Aggregate is a pipeline's status from its jobs' statuses: created with
// none; running while any job runs, or while some are done and others wait;
// pending while all wait; once all are done, failed if any failed (and may
// not fail), else canceled if any was, else success.
func Aggregate(statuses []*storagev1.CommitStatus) Status {
	if len(statuses) == 0 {
		return Created
	}
	var running, pending, done, failed, canceled bool
	for _, s := range statuses {
		switch Status(s.GetStatus()) {
		case Running:
			running = true
		case Pending, Created:
			pending = true
		case Failed:
			done = true
			failed = failed || !s.GetAllowFailure()
		case Canceled:
			done, canceled = true, true
		default:
			done = true
		}
	}
	switch {
	case running || (pending && done):
		return Running
	case pending:
		return Pending
	case failed:
		return Failed
	case canceled:
		return Canceled
	}
	return Success
}

// Create starts a pipeline for a commit (a merge train car's), announces it
// to CI, and tells watchers.
func (s *Service) Create(ctx context.Context, p *storagev1.Project, sha, ref, source string, userID int64) (*storagev1.Pipeline, error) {
	now := timestamppb.New(s.clock.Now())
	pl, err := s.store.Pipelines().Create(ctx, &storagev1.Pipeline{
		ProjectId: p.GetId(), Sha: sha, Ref: ref, Source: source, UserId: userID,
		Status: int32(Created), CreateTime: now, UpdateTime: now,
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, pl, true)
	return pl, nil
}

// Cancel marks a pipeline canceled for good: later statuses from CI do not
// revive it.
func (s *Service) Cancel(ctx context.Context, p *storagev1.Project, id int64) error {
	var pl *storagev1.Pipeline
	err := lease.Hold(ctx, s.store.Leases(), leaseName(id), s.holder.Next(), leaseTTL, func() error {
		var err error
		pl, err = s.store.Pipelines().Get(ctx, p.GetId(), id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && Complete(Status(pl.GetStatus()))) {
			pl = nil
			return nil
		}
		if err != nil {
			return err
		}
		now := timestamppb.New(s.clock.Now())
		pl.Canceled, pl.Status, pl.UpdateTime, pl.FinishTime = true, int32(Canceled), now, now
		return s.store.Pipelines().Update(ctx, pl)
	})
	if err != nil || pl == nil {
		return err
	}
	s.changed(ctx, p, pl, true)
	return nil
}

// Get returns a pipeline of the project.
func (s *Service) Get(ctx context.Context, sc *project.Scope, id int64) (*storagev1.Pipeline, error) {
	if !sc.CanReadMergeRequests() {
		return nil, auth.ErrForbidden
	}
	pl, err := s.store.Pipelines().Get(ctx, sc.Project.GetId(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return pl, err
}

// Find returns a pipeline without a permission check, for the domain.
func (s *Service) Find(ctx context.Context, projectID, id int64) (*storagev1.Pipeline, error) {
	pl, err := s.store.Pipelines().Get(ctx, projectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return pl, err
}

// Newest returns the newest pipeline of a commit (optionally of one ref),
// or nil: a merge request's head pipeline.
func (s *Service) Newest(ctx context.Context, projectID int64, sha, ref string) (*storagev1.Pipeline, error) {
	all, err := s.store.Pipelines().ForSHA(ctx, projectID, sha)
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].GetId() > all[j].GetId() })
	for _, pl := range all {
		if ref == "" || pl.GetRef() == ref {
			return pl, nil
		}
	}
	return nil, nil
}

// changed tells watchers of a change and, when the pipeline is new or its
// status changed, announces it to the project's hooks, as GitLab's pipeline
// hooks fire.
func (s *Service) changed(ctx context.Context, p *storagev1.Project, pl *storagev1.Pipeline, announce bool) {
	if announce && s.announcer != nil {
		if err := s.announcer.AnnouncePipeline(ctx, p, pl); err != nil {
			s.logger.ErrorContext(ctx, "announce pipeline", "project_id", p.GetId(), "pipeline_id", pl.GetId(), "error", err)
		}
	}
	s.events.Publish(ctx, event.Event{Kind: event.PipelineChanged, ProjectID: p.GetId()})
}
