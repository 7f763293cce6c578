package delivery

import (
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/signalbox/signalbox/server/store"
)

// blockedFor is how long a delivery found waiting for a receiver at its
// bound is passed over without a look at its check: long enough that a
// scan costs nothing for it, short enough that a changed URL is noticed.
const blockedFor = 5 * time.Second

// blocked is a delivery waiting for its receiver to have room.
type blocked struct {
	receiver string
	since    time.Time
}

// slots counts one replica's attempts in flight: in all, per project and
// per receiver. The bounds are this replica's own; see Worker for why.
type slots struct {
	max, perProject, perHost int

	mu       sync.Mutex
	total    int
	projects map[int64]int
	hosts    map[string]int
	inflight map[store.DeliveryRef]bool
	// waiting are deliveries whose receiver was at its bound when they
	// were last looked at, and waitingIn counts them per project.
	waiting   map[store.DeliveryRef]blocked
	waitingIn map[int64]int
}

func newSlots(max, perProject, perHost int) *slots {
	return &slots{max: max, perProject: perProject, perHost: perHost,
		projects: map[int64]int{}, hosts: map[string]int{}, inflight: map[store.DeliveryRef]bool{},
		waiting: map[store.DeliveryRef]blocked{}, waitingIn: map[int64]int{}}
}

// free is how many more attempts may start on this replica.
func (s *slots) free() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max - s.total
}

// room is how many more attempts of a project may start now, and how many
// of its due deliveries a scan passes over: its attempts in flight here
// and its deliveries waiting for a receiver.
func (s *slots) room(pid int64) (room, passed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(0, min(s.max-s.total, s.perProject-s.projects[pid])), s.projects[pid] + s.waitingIn[pid]
}

// waits reports whether ref is waiting for a receiver that is still at its
// bound, as of now.
func (s *slots) waits(ref store.DeliveryRef, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.waiting[ref]
	if !ok {
		return false
	}
	if now.Sub(b.since) < blockedFor && s.hosts[b.receiver] >= s.perHost {
		return true
	}
	s.unwaitLocked(ref)
	return false
}

// wait remembers that ref waits for receiver, which is at its bound.
func (s *slots) wait(ref store.DeliveryRef, receiver string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.waiting[ref]; !ok {
		s.waitingIn[ref.ProjectID]++
	}
	s.waiting[ref] = blocked{receiver: receiver, since: now}
}

// forget drops what it remembers of deliveries that waited longer than
// blockedFor: another replica may have sent them since.
func (s *slots) forget(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ref, b := range s.waiting {
		if now.Sub(b.since) >= blockedFor {
			s.unwaitLocked(ref)
		}
	}
}

func (s *slots) unwaitLocked(ref store.DeliveryRef) {
	if _, ok := s.waiting[ref]; !ok {
		return
	}
	delete(s.waiting, ref)
	if s.waitingIn[ref.ProjectID]--; s.waitingIn[ref.ProjectID] <= 0 {
		delete(s.waitingIn, ref.ProjectID)
	}
}

// take claims a slot for ref. busy means ref is in flight here already;
// full means the bounds leave its project no room. A delivery that takes a
// slot no longer waits for its receiver.
func (s *slots) take(ref store.DeliveryRef) (busy, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.inflight[ref]:
		return true, false
	case s.total >= s.max || s.projects[ref.ProjectID] >= s.perProject:
		return false, true
	}
	s.unwaitLocked(ref)
	s.inflight[ref] = true
	s.total++
	s.projects[ref.ProjectID]++
	return false, false
}

// release gives back the slot of ref.
func (s *slots) release(ref store.DeliveryRef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inflight, ref)
	s.total--
	if s.projects[ref.ProjectID]--; s.projects[ref.ProjectID] <= 0 {
		delete(s.projects, ref.ProjectID)
	}
}

// takeHost claims a slot at a receiver; false when it is at its bound.
func (s *slots) takeHost(host string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hosts[host] >= s.perHost {
		return false
	}
	s.hosts[host]++
	return true
}

func (s *slots) releaseHost(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hosts[host]--; s.hosts[host] <= 0 {
		delete(s.hosts, host)
	}
}

// receiver names where a URL's deliveries go, for the per-receiver bound:
// its scheme's host and port, lower-cased, with the default port made
// explicit. A URL that does not parse is its own receiver; the attempt
// refuses it anyway.
func receiver(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return target
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
