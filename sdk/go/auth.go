package signalbox

import (
	"context"

	"connectrpc.com/connect/v2"
)

// newAuthInterceptor sends token on every call. It sets the header on the
// call's CallInfo, which is how v2 carries request metadata, before the
// stream opens, so the server can refuse a bad token before reading any
// payload.
func newAuthInterceptor(token string) connect.ClientInterceptor {
	value := "Bearer " + token
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			info, ok := connect.CallInfoForClientContext(ctx)
			if !ok {
				// connect.Client attaches one before interceptors run; this
				// keeps the interceptor correct if it is ever driven directly.
				ctx, info = connect.NewClientContext(ctx)
			}
			info.RequestHeader().Set("Authorization", value)
			return next(ctx, spec)
		}
	}
}

// validToken reports whether token can travel in a header: no control
// characters, which would end the header or be refused by net/http.
func validToken(token string) bool {
	for i := range len(token) {
		if c := token[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}
