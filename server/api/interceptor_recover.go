package api

import (
	"context"
	"log/slog"
	"runtime/debug"

	"connectrpc.com/connect/v2"
)

// recoverInterceptor turns a panic in a handler into an Internal error, with
// the stack in the log and nothing of it on the wire.
func recoverInterceptor(logger *slog.Logger) connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) (err error) {
			defer func() {
				if r := recover(); r != nil {
					logger.ErrorContext(ctx, "panic in handler", "procedure", spec.Procedure, "panic", r, "stack", string(debug.Stack()))
					err = connect.NewError(connect.CodeInternal, "internal error")
				}
			}()
			return next(ctx, spec, stream)
		}
	}
}
