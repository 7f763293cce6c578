// Package deadline cuts requests whose bodies stall, on every door, without
// cutting long pushes or long-lived streams.
//
// http.Server's ReadTimeout is one deadline for the whole request, body
// included: short enough to stop a client that trickles a body a byte at a
// time, it would cut a large git push; long enough for the push, it lets a
// stalled client hold a connection (and on the git door, git processes)
// for as long. So the deadline is set per read instead, through
// http.ResponseController: each read of a body must get data within Idle,
// and a body that is not exempt must also end within Whole of the request's
// start. Between reads no deadline is armed, so a handler that is busy
// elsewhere, or a server stream that has read its request and sends for an
// hour, is never cut for it.
package deadline

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// Config says how long request bodies may take.
type Config struct {
	// Idle is the longest one read of a request body may wait for data;
	// zero means no limit.
	Idle time.Duration
	// Whole is the longest a request body may take, from the start of the
	// request to its end, unless Exempt says otherwise; zero means no
	// limit.
	Whole time.Duration
	// Exempt reports requests whose bodies may take as long as they keep
	// sending, such as git pushes. Nil exempts none.
	Exempt func(*http.Request) bool
}

// Bodies applies c to the bodies of the requests next serves. It must see
// the server's own ResponseWriter, so it goes outermost.
func Bodies(next http.Handler, c Config) http.Handler {
	if c.Idle <= 0 && c.Whole <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			b := &body{ReadCloser: r.Body, ctl: http.NewResponseController(w), idle: c.Idle}
			if c.Whole > 0 && (c.Exempt == nil || !c.Exempt(r)) {
				b.end = time.Now().Add(c.Whole)
			}
			r.Body = b
		}
		next.ServeHTTP(w, r)
	})
}

// body arms the read deadline for the length of each Read only. A read
// that hits it fails with an error that errors.Is os.ErrDeadlineExceeded.
type body struct {
	io.ReadCloser
	ctl  *http.ResponseController
	idle time.Duration
	end  time.Time // zero: no whole-body deadline
}

func (b *body) Read(p []byte) (int, error) {
	deadline := b.end
	if b.idle > 0 {
		if d := time.Now().Add(b.idle); deadline.IsZero() || d.Before(deadline) {
			deadline = d
		}
	}
	// A writer that cannot set deadlines (a test recorder) reads without.
	armed := b.ctl.SetReadDeadline(deadline) == nil
	n, err := b.ReadCloser.Read(p)
	if armed && !errors.Is(err, os.ErrDeadlineExceeded) {
		_ = b.ctl.SetReadDeadline(time.Time{})
	}
	// Past its deadline the deadline stays, so that net/http's own reads
	// of what is left (to reuse the connection) fail at once and the
	// connection is closed, instead of waiting for the stalled client.
	return n, err
}
