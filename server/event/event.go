// Package event carries change notifications to whoever watches: the watch
// stream, and, later, merge trains and auto-merge. Events are hints that
// something changed, not the changes themselves: a receiver re-reads the
// store, so a lost or repeated event never leaves anyone with wrong state.
package event

import (
	"context"
	"sync"
)

// Kind says what changed.
type Kind string

// The kinds of events.
const (
	// MergeRequestChanged: fields, state, head or merge status of an MR.
	MergeRequestChanged Kind = "merge_request"
	// StatusCheckChanged: a response was recorded, retried or expired.
	StatusCheckChanged Kind = "status_check"
	// DeliveryAttempted: a delivery attempt finished.
	DeliveryAttempted Kind = "delivery"
	// PipelineChanged: a pipeline's status changed.
	PipelineChanged Kind = "pipeline"
)

// Event is a change in one project, usually of one merge request.
type Event struct {
	Kind            Kind  `json:"kind"`
	ProjectID       int64 `json:"project_id"`
	MergeRequestIID int64 `json:"merge_request_iid,omitempty"`
}

// Bus delivers events to subscribers of the event's project, on this
// replica and on others.
type Bus interface {
	// Publish sends e; it never blocks on slow subscribers.
	Publish(ctx context.Context, e Event)
	// Subscribe returns events of one project until cancel is called.
	Subscribe(projectID int64) (events <-chan Event, cancel func())
	// SubscribeAll returns the events of every project, for background
	// work such as merge trains.
	SubscribeAll() (events <-chan Event, cancel func())
}

// Local is an in-process Bus, for a single replica (the embedded store) and
// as the fan-out half of the Redis bus.
type Local struct {
	mu   sync.Mutex
	next int
	subs map[int64]map[int]chan Event
	all  map[int]chan Event
}

// NewLocal returns an empty in-process bus.
func NewLocal() *Local {
	return &Local{subs: map[int64]map[int]chan Event{}, all: map[int]chan Event{}}
}

// subscriberBuffer absorbs bursts; a subscriber that falls further behind
// misses events, which is safe because it re-reads state on the next one.
const subscriberBuffer = 64

// Publish hands e to every subscriber of its project without blocking.
func (l *Local) Publish(_ context.Context, e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range l.subs[e.ProjectID] {
		select {
		case ch <- e:
		default:
		}
	}
	for _, ch := range l.all {
		select {
		case ch <- e:
		default:
		}
	}
}

// allBuffer is deeper than a project subscriber's: background consumers see
// every project's events.
const allBuffer = 1024

// SubscribeAll registers a subscriber for every project.
func (l *Local) SubscribeAll() (<-chan Event, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan Event, allBuffer)
	id := l.next
	l.next++
	l.all[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			delete(l.all, id)
		})
	}
}

// Subscribe registers a subscriber for one project.
func (l *Local) Subscribe(projectID int64) (<-chan Event, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan Event, subscriberBuffer)
	id := l.next
	l.next++
	if l.subs[projectID] == nil {
		l.subs[projectID] = map[int]chan Event{}
	}
	l.subs[projectID][id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			delete(l.subs[projectID], id)
			if len(l.subs[projectID]) == 0 {
				delete(l.subs, projectID)
			}
		})
	}
}
