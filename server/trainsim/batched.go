package trainsim

import (
	"container/heap"
	"fmt"
	"strconv"

	"github.com/signalbox/signalbox/server/train"
)

// applyBatched does what the engine does with the batched strategy's
// actions (train.Chain, Test, Screen, Admit, Expel, Split), with synthetic
// git and CI: a chain commit or a screen is broken when it contains a bad
// MR, and every pipeline started counts as a build.
func (s *sim) applyBatched(c *car, a train.Action) error {
	var err error
	switch a := a.(type) {
	case train.Chain:
		if err := s.cancel(c, a.Cancel); err != nil {
			return err
		}
		base := s.target
		if a.On != 0 {
			on, err := s.find(a.On)
			if err != nil {
				return err
			}
			if on.pipe == nil {
				return fmt.Errorf("car %d has no train commit", a.On)
			}
			base = on.pipe.p.SHA
		}
		if c.state, err = c.state.RefreshPipeline(); err != nil {
			return err
		}
		s.lastID++
		sha := "c" + strconv.FormatInt(s.lastID, 10)
		s.broken[sha] = s.broken[base] || c.bad
		c.pipe = &pipeline{p: train.Pipeline{SHA: sha, BaseCar: a.On, BaseSHA: base, Status: train.PipelineCreated}, car: c}
	case train.Test:
		if c.pipe == nil || c.pipe.p.ID != 0 {
			return fmt.Errorf("car %d has no untested train commit", c.id)
		}
		s.start(c.pipe)
	case train.Screen:
		if err := s.cancel(c, a.Cancel); err != nil {
			return err
		}
		s.lastID++
		sha := "s" + strconv.FormatInt(s.lastID, 10)
		s.broken[sha] = s.broken[s.target] || c.bad
		c.screen = &pipeline{p: train.Pipeline{SHA: sha, BaseSHA: s.target}, car: c}
		s.start(c.screen)
	case train.Admit:
		if c.seq != 0 {
			return fmt.Errorf("car %d is in the chain already", c.id)
		}
		s.lastPos++
		c.seq, c.screen, c.suspect = s.lastPos, nil, false
	case train.Expel:
		if err := s.cancel(c, a.Cancel); err != nil {
			return err
		}
		if a.Blame {
			c.failures++
		}
		if err := s.leaveChain(c); err != nil {
			return err
		}
	case train.Split:
		for _, id := range a.Cars {
			m, err := s.find(id)
			if err != nil {
				return err
			}
			if m.seq == 0 {
				return fmt.Errorf("car %d of the batch is not in the chain", id)
			}
			if err := s.leaveChain(m); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%T is not in the model", a)
	}
	return nil
}

// start runs pipeline p: a new id, a build time, an event.
func (s *sim) start(p *pipeline) {
	s.lastID++
	s.lastSeq++
	p.p.ID, p.p.Status = s.lastID, train.PipelineRunning
	p.finish, p.seq = s.now+s.buildTime(), s.lastSeq
	heap.Push(&s.events, p)
	s.res.Builds++
}

// leaveChain makes c a pending suspect without a train commit or screen.
func (s *sim) leaveChain(c *car) error {
	for _, p := range []*pipeline{c.pipe, c.screen} {
		if p != nil && p.p.ID != 0 && !p.p.Status.Complete() {
			return fmt.Errorf("car %d leaves the chain with pipeline %d running", c.id, p.p.ID)
		}
	}
	var err error
	c.state, err = c.state.OutdatePipeline()
	c.seq, c.pipe, c.screen, c.suspect = 0, nil, nil, true
	return err
}
