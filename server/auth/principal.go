// Package auth holds who is calling (the Principal), GitLab's access levels,
// and personal access tokens as values. Looking tokens up is the user
// package's job; deciding what a level may do is each domain verb's.
package auth

import (
	"context"
	"slices"
)

// Principal is an authenticated caller. A nil *Principal is anonymous.
type Principal struct {
	UserID   int64
	Username string
	Admin    bool
	// Scopes are the scopes of the token used, e.g. "api" or "read_api".
	Scopes []string
}

// HasScope reports whether the token carries scope.
func (p *Principal) HasScope(scope string) bool {
	return p != nil && slices.Contains(p.Scopes, scope)
}

// CanCallAPI reports whether the token may make API calls, read-only ones
// when readOnly is set.
func (p *Principal) CanCallAPI(readOnly bool) bool {
	if p.HasScope("api") {
		return true
	}
	return readOnly && p.HasScope("read_api")
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller, or nil when the call is anonymous.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
