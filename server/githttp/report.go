package githttp

import (
	"bytes"
	"strconv"
)

// reportWatch reads receive-pack's output as it streams to the client and
// calls reported once receive-pack has sent its report-status. Git sends
// the report after it has made every ref update, and only then runs the
// post-receive hook and its auto gc, both git processes of their own: a
// push can be followed from the report on, without waiting for them.
//
// With side-band-64k (what git clients ask for) the report is the data
// band, itself pkt-lines ending in a flush; without it, the report is the
// output. Output it cannot read as a report (none asked for, a failed
// backend) stops the watch, and the push is followed when the backend
// exits, as it would be without the watch.
type reportWatch struct {
	reported func()
	out, in  pktLines
	// sideband is 0 until the first packet, then 1 with side-band and -1
	// without.
	sideband int
	// lines counts the report's lines so far.
	lines   int
	stopped bool
}

// Write never fails: the watch only listens.
func (w *reportWatch) Write(p []byte) (int, error) {
	if !w.stopped && !w.out.feed(p, w.outer) {
		w.stopped = true
	}
	return len(p), nil
}

// outer reads one packet of the output; false stops the watch.
func (w *reportWatch) outer(payload []byte) bool {
	if payload == nil {
		if w.sideband < 0 {
			return w.report(nil)
		}
		return false // the end of a side-band stream: no report came
	}
	if w.sideband == 0 {
		w.sideband = -1
		if payload[0] <= 3 { // bands 1 (data), 2 (progress), 3 (error)
			w.sideband = 1
		}
	}
	switch {
	case w.sideband < 0:
		return w.report(payload)
	case payload[0] == 1:
		return w.in.feed(payload[1:], w.report)
	}
	return true
}

// report reads one packet of the report; the flush that ends it calls
// reported.
func (w *reportWatch) report(payload []byte) bool {
	if payload == nil {
		if w.lines > 0 {
			w.reported()
		}
		return false
	}
	if w.lines == 0 && !bytes.HasPrefix(payload, []byte("unpack ")) {
		return false
	}
	w.lines++
	return true
}

// pktLines splits a pkt-line stream that arrives in pieces.
type pktLines struct{ pending []byte }

// feed calls f with every packet p completes, its payload or nil for a
// flush packet, until f returns false. It returns false then, or when the
// stream is not pkt-lines.
func (s *pktLines) feed(p []byte, f func(payload []byte) bool) bool {
	s.pending = append(s.pending, p...)
	for len(s.pending) >= 4 {
		n, err := strconv.ParseUint(string(s.pending[:4]), 16, 16)
		switch {
		case err != nil, n > 0 && n <= 4, n > maxPktLine:
			return false // not a packet receive-pack sends (no empty ones either)
		case n == 0:
			s.pending = s.pending[4:]
			if !f(nil) {
				return false
			}
			continue
		case len(s.pending) < int(n):
			return true
		}
		payload := s.pending[4:n]
		s.pending = s.pending[n:]
		if !f(payload) {
			return false
		}
	}
	return true
}
