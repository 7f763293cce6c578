package api

import (
	"context"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/store"
)

// prefetchInterceptor reads, for the status check hot paths, everything the
// call is about to read (the token, the caller, their membership, the
// project, the merge request, the checks and the responses) in one
// pipelined round trip (two when the replica has not served the merge
// request before) before auth runs, instead of a round trip per
// record one after another as auth, scope and the handler ask. The reads
// themselves, and the order of the answers (401, 404, 403, 400), stay
// exactly as they are: each just finds its record already read. Nothing
// outlives the call (see store.Prefetcher), so a revoked token, a removed
// member, a deleted check or a moved head takes effect on the next call.
//
// It has to see the request to know what to read, so on these procedures
// it receives the message first and hands it on when the handler asks.
func prefetchInterceptor(p store.Prefetcher) connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		if p == nil {
			return next
		}
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			msg := hotRequest(spec.Procedure)
			if msg == nil {
				return next(ctx, spec, stream)
			}
			r := &receivedStream{ServerStream: stream, msg: msg}
			if r.err = stream.Receive(msg); r.err != nil {
				return next(ctx, spec, r)
			}
			info, _ := connect.CallInfoForServerContext(ctx)
			want := prefetchFor(msg)
			if t := tokenFrom(info); t != "" {
				want.TokenHash = auth.HashToken(t)
			}
			ctx, done := p.Prefetch(ctx, want)
			defer done()
			return next(ctx, spec, r)
		}
	}
}

// hotRequest is a new request message of a hot procedure, or nil.
func hotRequest(procedure string) proto.Message {
	switch procedure {
	case signalboxv1connect.StatusCheckServiceListMergeRequestStatusChecksProcedure:
		return &signalboxv1.ListMergeRequestStatusChecksRequest{}
	case signalboxv1connect.StatusCheckServiceSetStatusCheckResponseProcedure:
		return &signalboxv1.SetStatusCheckResponseRequest{}
	}
	return nil
}

// prefetchFor is what serving msg reads.
func prefetchFor(msg proto.Message) store.Prefetch {
	switch m := msg.(type) {
	case *signalboxv1.ListMergeRequestStatusChecksRequest:
		// The checks that apply and their responses at the head.
		return store.Prefetch{Project: m.GetProject(), MergeRequestIID: m.GetMergeRequestIid(), Checks: true}
	case *signalboxv1.SetStatusCheckResponseRequest:
		// The check answered, and the merge request as the answer shows it.
		// Not the responses: the call writes one.
		return store.Prefetch{Project: m.GetProject(), MergeRequestIID: m.GetMergeRequestIid(),
			CheckID: m.GetExternalStatusCheckId(), View: true}
	}
	return store.Prefetch{}
}

// receivedStream hands on a message already received (or the error of
// receiving it) at the first Receive.
type receivedStream struct {
	connect.ServerStream
	msg  proto.Message
	err  error
	used bool
}

func (r *receivedStream) Receive(msg any) error {
	if r.used {
		return r.ServerStream.Receive(msg)
	}
	r.used = true
	if r.err != nil {
		return r.err
	}
	m, ok := msg.(proto.Message)
	if !ok {
		return r.ServerStream.Receive(msg)
	}
	proto.Reset(m)
	proto.Merge(m, r.msg)
	return nil
}
