// Package mergetrain runs merge trains: it puts merge requests on the train
// of their target branch (or arms them to join), and its refresher applies
// the plans of the pure scheduler in package train with real git and the
// store, under a lease per train.
package mergetrain

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/crashpoint"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
)

// Errors of merge trains.
var (
	// ErrCarNotFound means the merge request has no car.
	ErrCarNotFound = errors.New("merge train car not found")
	// ErrAlreadyAutoMerge means the merge request is on a train or armed.
	ErrAlreadyAutoMerge = errors.New("merge request is already set to auto-merge")
	// ErrTrainsDisabled means the project has merge trains off.
	ErrTrainsDisabled = errors.New("merge trains are not enabled for this project")
	// ErrNoStrategy means the merge request can neither join now nor arm.
	ErrNoStrategy = errors.New("no available merge train strategy")
	// ErrNotAutoMerge means there is no auto-merge to cancel.
	ErrNotAutoMerge = errors.New("merge request is not set to auto-merge")
)

// Service runs merge trains.
type Service struct {
	store         store.Store
	repos         repository.Repositories
	pipelines     *pipeline.Service
	checks        *statuscheck.Service
	mergeRequests *mergerequest.Service
	events        event.Bus
	clock         clock.Clock
	logger        *slog.Logger
	holder        string
	externalURL   string
	wake          loop.Nudge
	crash         crashpoint.Set
}

// Deps are what a Service needs.
type Deps struct {
	Store         store.Store
	Repos         repository.Repositories
	Pipelines     *pipeline.Service
	Checks        *statuscheck.Service
	MergeRequests *mergerequest.Service
	Events        event.Bus
	Clock         clock.Clock
	Logger        *slog.Logger
	// Holder names this replica in train leases.
	Holder string
	// ExternalURL is the base of links in notes.
	ExternalURL string
	// Crash names the points where crash tests kill the process.
	Crash crashpoint.Set
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{
		store: d.Store, repos: d.Repos, pipelines: d.Pipelines, checks: d.Checks, mergeRequests: d.MergeRequests,
		events: d.Events, clock: d.Clock, logger: d.Logger, holder: d.Holder,
		externalURL: strings.TrimRight(d.ExternalURL, "/"), wake: loop.NewNudge(), crash: d.Crash,
	}
}

// CarView is a car with the records its API entity shows.
type CarView struct {
	Car          *storagev1.Car
	MergeRequest *storagev1.MergeRequest
	User         *storagev1.User
	Pipeline     *storagev1.Pipeline
}

// trainRef is the ref of a car's tested commit.
func trainRef(iid int64) string { return "refs/merge-requests/" + itoa(iid) + "/train" }

// view loads what a car's entity shows.
func (s *Service) view(ctx context.Context, c *storagev1.Car) (*CarView, error) {
	v := &CarView{Car: c}
	var err error
	if v.MergeRequest, err = s.store.MergeRequests().Get(ctx, c.GetProjectId(), c.GetMergeRequestIid()); err != nil {
		return nil, err
	}
	if v.User, err = s.store.Users().Get(ctx, c.GetUserId()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if c.GetPipelineId() != 0 {
		if v.Pipeline, err = s.store.Pipelines().Get(ctx, c.GetProjectId(), c.GetPipelineId()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return v, nil
}

// trainCars returns the cars of one train, by id.
func (s *Service) trainCars(ctx context.Context, projectID int64, branch string) ([]*storagev1.Car, error) {
	all, err := s.store.Cars().List(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.GetTargetBranch() == branch {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetId() < out[j].GetId() })
	return out, nil
}

// note writes a system note on a merge request.
func (s *Service) note(ctx context.Context, projectID, iid, authorID int64, body string) {
	if _, err := s.store.Notes().Add(ctx, &storagev1.Note{
		ProjectId: projectID, MergeRequestIid: iid, AuthorId: authorID, Body: body, System: true,
		CreateTime: nowProto(s.clock),
	}); err != nil {
		s.logger.ErrorContext(ctx, "write note", "project_id", projectID, "mr_iid", iid, "error", err)
	}
}

// markDirty asks for a refresh of a train, here or on another replica.
func (s *Service) markDirty(ctx context.Context, projectID int64, branch string) error {
	if err := s.store.Cars().MarkDirty(ctx, projectID, branch); err != nil {
		return err
	}
	s.wake.Wake()
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func nowProto(c clock.Clock) *timestamppb.Timestamp { return timestamppb.New(c.Now()) }
