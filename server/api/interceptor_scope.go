package api

import (
	"context"
	"log/slog"

	"connectrpc.com/connect/v2"

	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

// projectScoped is every request message with a project reference.
type projectScoped interface {
	GetProject() string
}

// maxProjectRef is the longest project reference: a namespace path and a
// project path of up to 255 characters each and the slash between them,
// rounded up. The proto rules on every project field say the same.
const maxProjectRef = 512

type scopeKey struct{}

// scopeSlot is filled when the request message arrives, which is after the
// handler's context was made, so the context carries the slot, not the scope.
type scopeSlot struct{ scope *project.Scope }

// scopeInterceptor resolves the project of a project-scoped request and
// works out the caller's access to it, before validation runs. So every door
// answers in GitLab's order: 401, then the project's 404, then 400.
func scopeInterceptor(projects *project.Service, logger *slog.Logger) connect.ServerInterceptor {
	return func(next connect.ServerFunc) connect.ServerFunc {
		return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			slot := &scopeSlot{}
			ctx = context.WithValue(ctx, scopeKey{}, slot)
			return next(ctx, spec, &scopeStream{ServerStream: stream, ctx: ctx, slot: slot, projects: projects, logger: logger})
		}
	}
}

type scopeStream struct {
	connect.ServerStream
	ctx      context.Context //nolint:containedctx // the request arrives inside Receive
	slot     *scopeSlot
	projects *project.Service
	logger   *slog.Logger
}

func (s *scopeStream) Receive(msg any) error {
	if err := s.ServerStream.Receive(msg); err != nil {
		return err
	}
	ps, ok := msg.(projectScoped)
	if !ok || ps.GetProject() == "" || s.slot.scope != nil {
		return nil
	}
	if len(ps.GetProject()) > maxProjectRef {
		// No project has so long a reference: not found, without a lookup
		// keyed by megabytes. (Validation states the same bound, but runs
		// after this, in GitLab's order.)
		return toConnect(s.ctx, s.logger, project.ErrNotFound)
	}
	sc, err := s.projects.Scope(s.ctx, auth.FromContext(s.ctx), ps.GetProject())
	if err != nil {
		return toConnect(s.ctx, s.logger, err)
	}
	s.slot.scope = sc
	return nil
}

// scopeFrom returns the project scope of the current call.
func scopeFrom(ctx context.Context) *project.Scope {
	slot, _ := ctx.Value(scopeKey{}).(*scopeSlot)
	if slot == nil {
		return nil
	}
	return slot.scope
}
