package store

import (
	"context"
	"errors"
	"io"
	"net"
)

// Unreachable reports whether err means the store could not be reached at
// all (a refused or dropped connection, a network timeout), as while Redis
// restarts, rather than that it answered with an error. Such a call may be
// tried again once the store is back, so the API answers Unavailable instead
// of calling it an internal error. The caller's own deadline or cancellation
// is not the store's fault and is not reported here, although
// context.DeadlineExceeded is a net.Error.
func Unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
