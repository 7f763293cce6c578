package mergerequest

import (
	"context"
	"sync"

	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/loop"
	"github.com/signalbox/signalbox/server/repository"
)

// readAhead asks git, all at once, what the dispatch of mr's new head will
// ask it one question after another: the merge status (a merge-tree of
// the two branches) and the head commit the payloads describe. Each is a
// git process of a few milliseconds (tens on a busy machine), and the
// caller asks its own (the merge base) meanwhile. Git's answers about
// commit ids are remembered (repository's memos), so the dispatch then
// finds them without a process; the answers here are dropped, and an
// error is left for the dispatch to meet and report. Call wait before the
// dispatch, so that it does not ask again what is still being answered.
func (s *Service) readAhead(ctx context.Context, p *storagev1.Project, repo repository.Repository, mr *storagev1.MergeRequest) (wait func()) {
	mr = proto.CloneOf(mr) // the caller goes on changing its own
	var wg sync.WaitGroup
	guarded := func(f func()) {
		wg.Go(func() {
			_ = loop.Guard(ctx, s.logger, func() error { f(); return nil })
		})
	}
	guarded(func() { _, _ = s.mergeability(ctx, p, mr) })
	guarded(func() { _, _ = repo.Commit(ctx, mr.GetHeadSha()) })
	return wg.Wait
}
