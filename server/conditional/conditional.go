// Package conditional is GitLab's conditional destroy (destroy_conditionally!
// in lib/api/helpers.rb): a DELETE that carries If-Unmodified-Since deletes
// nothing, and fails, when the resource changed after that time. The API
// reads the header once, for every door, into the request's context; each
// delete that GitLab makes conditional calls Check with the time its
// resource last changed, after the caller's permission and before it
// deletes.
package conditional

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// Header is the request header a conditional delete reads.
const Header = "If-Unmodified-Since"

// ErrModified means the resource changed after the request's
// If-Unmodified-Since: GitLab's 412 Precondition Failed.
var ErrModified = errors.New("the resource changed after If-Unmodified-Since")

type sinceKey struct{}

// FromHeader returns ctx carrying the time of an If-Unmodified-Since value.
// A value that is not a time is ignored, as GitLab ignores it (its
// Time.parse raises and the helper rescues to nil).
func FromHeader(ctx context.Context, value string) context.Context {
	value = strings.TrimSpace(value)
	if value == "" {
		return ctx
	}
	t, err := http.ParseTime(value)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, value); err != nil {
			return ctx
		}
	}
	return context.WithValue(ctx, sinceKey{}, t)
}

// Check returns ErrModified when ctx carries an If-Unmodified-Since time
// and changed is after it. changed is the resource's updated_at, or its
// created_at when it keeps no update time, as GitLab's models do.
func Check(ctx context.Context, changed time.Time) error {
	since, ok := ctx.Value(sinceKey{}).(time.Time)
	if !ok || changed.IsZero() {
		return nil
	}
	if changed.After(since) {
		return ErrModified
	}
	return nil
}

// Latest is the latest of a record's times that are set, for Check.
func Latest(ts ...*timestamppb.Timestamp) time.Time {
	var out time.Time
	for _, t := range ts {
		if t != nil && t.AsTime().After(out) {
			out = t.AsTime()
		}
	}
	return out
}
