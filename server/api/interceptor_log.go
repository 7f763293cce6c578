package api

import (
	"context"
	"log/slog"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/signalbox/signalbox/server/auth"
)

// logInterceptor writes one structured line per call: debug for calls that
// ended as the caller asked, error for internal failures. It runs outside
// auth, so that refused calls are logged too; auth tells it the caller
// through a slot in the context (logCallerOf), so every line names the user
// who made the call, whichever door it came through. Request bodies are
// never logged, since they may hold shared secrets.
func logInterceptor(logger *slog.Logger) connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			start := time.Now()
			slot := &callerSlot{}
			err := next(context.WithValue(ctx, callerSlotKey{}, slot), spec, stream)
			code := "ok"
			level := slog.LevelDebug
			if err != nil {
				c := connect.CodeOf(err)
				code = c.String()
				if c == connect.CodeInternal || c == connect.CodeUnknown {
					level = slog.LevelError
				}
			}
			// Asked first, so that a call whose line is not written (debug
			// is off by default) boxes none of the line's values.
			if !logger.Enabled(ctx, level) {
				return err
			}
			var userID int64
			var username string
			if slot.caller != nil {
				userID, username = slot.caller.UserID, slot.caller.Username
			}
			logger.LogAttrs(ctx, level, "rpc", slog.String("procedure", spec.Procedure), slog.String("code", code),
				slog.Int64("duration_ms", time.Since(start).Milliseconds()), slog.Int64("user_id", userID), slog.String("username", username))
			return err
		}
	}
}

// callerSlot is where auth leaves the caller for the log line; user_id 0 on
// the line then means an anonymous call, or one refused before its token was
// accepted.
type callerSlot struct{ caller *auth.Principal }

type callerSlotKey struct{}

// logCallerOf records the authenticated caller for the call's log line.
func logCallerOf(ctx context.Context, caller *auth.Principal) {
	if slot, _ := ctx.Value(callerSlotKey{}).(*callerSlot); slot != nil {
		slot.caller = caller
	}
}
