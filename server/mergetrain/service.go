// Package mergetrain runs merge trains. A train (project, target branch) is
// one record with one owner: the replica holding the train's lease, which
// alone writes it, version by version, so a replica that lost its lease
// cannot overwrite a newer decision. Everything else that changes a train
// either submits a command (a merge request joins or leaves), answered once
// the owner applied it, or changes a record the owner reads (merge requests,
// pipelines, the target branch) and marks the project dirty in the same
// write. The owner plans with the pure scheduler in package train, applies
// one action, stores the result, and plans again.
package mergetrain

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/clock"
	"github.com/signalbox/signalbox/server/crashpoint"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/mergerequest"
	"github.com/signalbox/signalbox/server/note"
	"github.com/signalbox/signalbox/server/pipeline"
	"github.com/signalbox/signalbox/server/repository"
	"github.com/signalbox/signalbox/server/statuscheck"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
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
	// ErrCannotCancel means there is no auto-merge to cancel, or it can no
	// longer be cancelled: the car's merge has started.
	ErrCannotCancel = errors.New("can't cancel the automatic merge")
	// ErrBusy means the train's owner did not apply a command in time.
	ErrBusy = errors.New("the merge train is busy; try again")
)

// Service runs merge trains.
type Service struct {
	store         store.Store
	repos         repository.Repositories
	pipelines     *pipeline.Service
	checks        *statuscheck.Service
	mergeRequests *mergerequest.Service
	events        event.Bus
	notes         note.Writer
	clock         clock.Clock
	logger        *slog.Logger
	holder        string
	externalURL   string
	wake          loop.Nudge
	crash         crashpoint.Set
	leaseTTL      time.Duration
	// committed wakes requesters waiting for a command, when this replica
	// commits a train.
	committed *signal
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
	// LeaseTTL is how long a train's owner may go silent before another
	// replica takes the train over; 0 means DefaultLeaseTTL.
	LeaseTTL time.Duration
}

// DefaultLeaseTTL bounds how long a crashed owner's trains wait for
// another replica.
const DefaultLeaseTTL = 1500 * time.Millisecond

// NewService returns a Service.
func NewService(d Deps) *Service {
	ttl := d.LeaseTTL
	if ttl == 0 {
		ttl = DefaultLeaseTTL
	}
	return &Service{
		store: d.Store, repos: d.Repos, pipelines: d.Pipelines, checks: d.Checks, mergeRequests: d.MergeRequests,
		events: d.Events, notes: note.NewWriter(d.Store.Notes(), d.Clock, d.Logger), clock: d.Clock, logger: d.Logger,
		holder: d.Holder, externalURL: strings.TrimRight(d.ExternalURL, "/"), wake: loop.NewNudge(), crash: d.Crash,
		leaseTTL: ttl, committed: newSignal(),
	}
}

// CarView is a car with the records its API entity shows.
type CarView struct {
	Car          *storagev1.Car
	MergeRequest *storagev1.MergeRequest
	User         *storagev1.User
	Pipeline     *storagev1.Pipeline
	// Checks are the external status checks asked about the car's commit
	// (status checks that follow the merge train).
	Checks []CarCheck
}

// CarCheck is one check's state for a car's commit.
type CarCheck struct {
	CheckID    int64
	Name       string
	SHA        string
	Status     signalboxv1.StatusCheckStatus
	ReusedFrom string
	Obsolete   bool
}

// Status is the car's state as GitLab names it ("idle", "merged", ...).
func (v *CarView) Status() string { return train.State(v.Car.GetState()).String() }

// Duration is how long a merged car took from joining to merging.
func (v *CarView) Duration() (time.Duration, bool) {
	c := v.Car
	if train.State(c.GetState()) != train.StateMerged || c.GetMergeTime() == nil {
		return 0, false
	}
	return c.GetMergeTime().AsTime().Sub(c.GetCreateTime().AsTime()), true
}

// trainRef is the ref of a car's tested commit.
func trainRef(iid int64) string { return "refs/merge-requests/" + itoa(iid) + "/train" }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
