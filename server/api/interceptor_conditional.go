package api

import (
	"context"

	"connectrpc.com/connect/v2"

	"github.com/signalbox/signalbox/server/conditional"
)

// conditionalInterceptor reads If-Unmodified-Since once, for every door
// (the REST door forwards it), into the call's context; the deletes GitLab
// makes conditional check it (see package conditional).
func conditionalInterceptor() connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			if info, ok := connect.CallInfoForServerContext(ctx); ok {
				if v := info.RequestHeader().Get(conditional.Header); v != "" {
					ctx = conditional.FromHeader(ctx, v)
				}
			}
			return next(ctx, spec, stream)
		}
	}
}
