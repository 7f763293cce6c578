package auth

import "errors"

// ErrUnauthenticated means the call needs credentials it did not carry, or
// carried ones that are not valid.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrForbidden means the caller's role is too low for the call.
var ErrForbidden = errors.New("forbidden")

// ErrInsufficientScope means the token lacks the scope the call needs.
var ErrInsufficientScope = errors.New("insufficient scope")
