package api

import (
	"context"
	"log/slog"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/signalbox/signalbox/server/auth"
)

// logInterceptor writes one structured line per call: debug for calls that
// ended as the caller asked, error for internal failures. Request bodies are
// never logged, since they may hold shared secrets.
func logInterceptor(logger *slog.Logger) connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			start := time.Now()
			err := next(ctx, spec, stream)
			code := "ok"
			level := slog.LevelDebug
			if err != nil {
				c := connect.CodeOf(err)
				code = c.String()
				if c == connect.CodeInternal || c == connect.CodeUnknown {
					level = slog.LevelError
				}
			}
			var userID int64
			if p := auth.FromContext(ctx); p != nil {
				userID = p.UserID
			}
			logger.Log(ctx, level, "rpc", "procedure", spec.Procedure, "code", code,
				"duration_ms", time.Since(start).Milliseconds(), "user_id", userID)
			return err
		}
	}
}
