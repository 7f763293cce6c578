package mergerequest

import (
	"context"
	"github.com/signalbox/signalbox/server/repository"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// RefsChanged follows a push: it re-reads the repository's branches and
// moves the head of every open merge request whose source branch changed,
// telling the status checks (action "update" with the old revision), and
// refreshes the ones whose target moved. actorID is who pushed.
func (s *Service) RefsChanged(ctx context.Context, p *storagev1.Project, actorID int64) error {
	repo, err := s.repos.Open(ctx, p)
	if err != nil {
		return err
	}
	branches, err := repo.Branches(ctx)
	if err != nil {
		return err
	}
	all, err := s.store.MergeRequests().List(ctx, p.GetId())
	if err != nil {
		return err
	}
	for _, mr := range all {
		if mr.GetState() != int32(signalboxv1.MergeRequestState_MERGE_REQUEST_STATE_OPENED) {
			continue
		}
		head, hasSource := branches[mr.GetSourceBranch()]
		start, hasTarget := branches[mr.GetTargetBranch()]
		moved := hasSource && head != mr.GetHeadSha()
		sourceSame := hasSource == !mr.GetSourceMissing()
		targetSame := !hasTarget || start == mr.GetStartSha()
		if !moved && sourceSame && targetSame {
			continue
		}
		if err := s.follow(ctx, p, repo, mr.GetIid(), actorID); err != nil {
			return err
		}
	}
	return nil
}

// follow updates one merge request to the branches as they are once it
// holds the merge request's lease. The branches RefsChanged read first only
// pick the merge requests to look at: another push's follow-up may take the
// lease in between and write a newer head, which a head read before waiting
// would overwrite with an older one (the merge request would then approve
// and merge a commit no longer on its branch).
func (s *Service) follow(ctx context.Context, p *storagev1.Project, repo repository.Repository, iid, actorID int64) error {
	var changed *storagev1.MergeRequest
	var oldRev string
	var newHead bool
	readAhead := func() {}
	defer func() { readAhead() }()
	err := s.locked(ctx, p.GetId(), iid, func() error {
		mr, err := s.store.MergeRequests().Get(ctx, p.GetId(), iid)
		if err != nil {
			return err
		}
		branches, err := repo.Branches(ctx)
		if err != nil {
			return err
		}
		head, hasSource := branches[mr.GetSourceBranch()]
		start, hasTarget := branches[mr.GetTargetBranch()]
		moved := hasSource && head != mr.GetHeadSha()
		if !moved && hasSource == !mr.GetSourceMissing() && (!hasTarget || start == mr.GetStartSha()) {
			return nil // an earlier follow-up already wrote this
		}
		mr.SourceMissing = !hasSource
		if hasTarget {
			mr.StartSha = start
		}
		if moved {
			oldRev, newHead = mr.GetHeadSha(), true
			mr.HeadSha = head
			// The dispatch's questions to git, while the merge base is asked.
			readAhead = s.readAhead(ctx, p, repo, mr)
		}
		if hasTarget {
			if hasSource {
				if base, err := repo.MergeBase(ctx, mr.GetStartSha(), mr.GetHeadSha()); err == nil {
					mr.BaseSha = base
				}
			}
		}
		mr.UpdateTime = timestamppb.New(s.clock.Now())
		changed = mr
		return s.store.MergeRequests().Update(ctx, mr)
	})
	if err != nil || changed == nil {
		return err
	}
	readAhead()
	if newHead {
		s.logger.InfoContext(ctx, "merge request head moved", "project_id", p.GetId(), "mr_iid", iid,
			"old_sha", oldRev, "sha", changed.GetHeadSha())
		s.dispatch(ctx, statuscheck.Change{Project: p, MergeRequest: changed, ActorID: actorID, Action: "update", OldRev: oldRev, NewHead: true})
	}
	s.publish(ctx, changed)
	return nil
}

// BranchName returns the branch of a full ref, or "" for other refs.
func BranchName(ref string) string {
	name, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		return ""
	}
	return name
}
