package api

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"
)

// MaxListResponseBytes bounds an answer that carries a list of more than one
// item: past it the call fails with ResourceExhausted (REASON_PAGE_TOO_LARGE)
// and the caller asks for fewer items per page. Every string a client can
// store is bounded, so a single item always fits; the bound is on what many
// of them add up to, which without it an anonymous caller could multiply by
// asking for a hundred per page. 4 MiB is also what gRPC and Connect clients
// read at most by default.
const MaxListResponseBytes = 4 << 20

// errPageTooLarge refuses an answer over MaxListResponseBytes.
var errPageTooLarge = errors.New("the page is too large")

// listLimitInterceptor applies MaxListResponseBytes to every unary answer.
func listLimitInterceptor(logger *slog.Logger) connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			if spec.StreamType != connect.StreamTypeUnary {
				return next(ctx, spec, stream)
			}
			return next(ctx, spec, &listLimitStream{ServerStream: stream, ctx: ctx, logger: logger})
		}
	}
}

type listLimitStream struct {
	connect.ServerStream
	ctx    context.Context //nolint:containedctx // the answer is sent after the handler returns
	logger *slog.Logger
}

func (s *listLimitStream) Send(msg any) error {
	if m, ok := msg.(proto.Message); ok && tooLargeList(m) {
		return toConnect(s.ctx, s.logger, errPageTooLarge)
	}
	return s.ServerStream.Send(msg)
}

// tooLargeList reports whether m is over MaxListResponseBytes and one of its
// top-level lists has more than one item, so that fewer per page would help.
func tooLargeList(m proto.Message) bool {
	if proto.Size(m) <= MaxListResponseBytes {
		return false
	}
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	for i := range fields.Len() {
		if f := fields.Get(i); f.IsList() && r.Get(f).List().Len() > 1 {
			return true
		}
	}
	return false
}
