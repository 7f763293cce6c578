package pipeline

import (
	"context"
	"sort"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/project"
)

// leaseTTL bounds one status update of one pipeline.
const leaseTTL = 10 * time.Second

func leaseName(id int64) string { return "pipeline:" + strconv.FormatInt(id, 10) }

// StatusParams describe a commit status CI reports.
type StatusParams struct {
	SHA, Ref, Name, TargetURL, Description string
	State                                  Status
	// PipelineID picks the pipeline; the commit's newest (of Ref, when
	// given) by default, or a new one when it has none.
	PipelineID int64
}

// SetStatus records a CI job's status (GitLab's POST /statuses/:sha) and
// updates its pipeline's aggregate status. Developers and above.
func (s *Service) SetStatus(ctx context.Context, sc *project.Scope, p StatusParams) (*storagev1.CommitStatus, *storagev1.Pipeline, error) {
	if err := sc.Require(auth.Developer); err != nil {
		return nil, nil, err
	}
	repo, err := s.repos.Open(ctx, sc.Project)
	if err != nil {
		return nil, nil, err
	}
	if _, err := repo.Commit(ctx, p.SHA); err != nil {
		return nil, nil, ErrCommitNotFound
	}
	if p.Name == "" {
		p.Name = "default"
	}
	pl, created, err := s.pipelineFor(ctx, sc, repo, p)
	if err != nil {
		return nil, nil, err
	}
	var st *storagev1.CommitStatus
	moved := false
	// Statuses of one pipeline arrive together from parallel jobs; the
	// lease keeps each aggregate computed from every status before it.
	err = lease.Hold(ctx, s.store.Leases(), leaseName(pl.GetId()), s.holder.Next(), leaseTTL, func() error {
		var err error
		if pl, err = s.store.Pipelines().Get(ctx, sc.Project.GetId(), pl.GetId()); err != nil {
			return err
		}
		if st, err = s.putStatus(ctx, sc, pl, p); err != nil {
			return err
		}
		moved, err = s.reaggregate(ctx, pl)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.logger.InfoContext(ctx, "commit status", "project_id", sc.Project.GetId(), "sha", p.SHA, "name", p.Name,
		"state", p.State.String(), "pipeline_id", pl.GetId(), "pipeline_status", Status(pl.GetStatus()).String())
	s.changed(ctx, sc.Project, pl, moved || created)
	return st, pl, nil
}

// putStatus stores one job's status, keeping when it was first reported and
// when it started.
func (s *Service) putStatus(ctx context.Context, sc *project.Scope, pl *storagev1.Pipeline, p StatusParams) (*storagev1.CommitStatus, error) {
	now := timestamppb.New(s.clock.Now())
	st := &storagev1.CommitStatus{
		ProjectId: sc.Project.GetId(), PipelineId: pl.GetId(), Sha: p.SHA, Ref: pl.GetRef(), Name: p.Name,
		Status: int32(p.State), TargetUrl: p.TargetURL, Description: p.Description, AuthorId: sc.Caller.UserID,
		CreateTime: now,
	}
	all, err := s.store.Pipelines().Statuses(ctx, sc.Project.GetId(), pl.GetId())
	if err != nil {
		return nil, err
	}
	for _, prev := range all {
		if prev.GetName() != p.Name {
			continue
		}
		// A job's later report updates it; what it leaves out stays.
		st.Id, st.CreateTime, st.StartTime = prev.GetId(), prev.GetCreateTime(), prev.GetStartTime()
		if st.TargetUrl == "" {
			st.TargetUrl = prev.GetTargetUrl()
		}
		if st.Description == "" {
			st.Description = prev.GetDescription()
		}
	}
	if p.State == Running && st.StartTime == nil {
		st.StartTime = now
	}
	if Complete(p.State) {
		st.FinishTime = now
	}
	return s.store.Pipelines().PutStatus(ctx, st)
}

// reaggregate recomputes a pipeline's status from its jobs and stores it;
// moved says whether the status changed. A canceled pipeline stays so.
func (s *Service) reaggregate(ctx context.Context, pl *storagev1.Pipeline) (moved bool, err error) {
	all, err := s.store.Pipelines().Statuses(ctx, pl.GetProjectId(), pl.GetId())
	if err != nil {
		return false, err
	}
	now := timestamppb.New(s.clock.Now())
	if next := Aggregate(all); !pl.GetCanceled() && next != Status(pl.GetStatus()) {
		moved = true
		pl.Status = int32(next)
		if next == Running && pl.StartTime == nil {
			pl.StartTime = now
		}
		if Complete(next) {
			pl.FinishTime = now
		}
	}
	pl.UpdateTime = now
	if err := s.store.Pipelines().Update(ctx, pl); err != nil {
		return moved, err
	}
	if moved && Complete(Status(pl.GetStatus())) && s.finished != nil {
		s.finished(pl)
	}
	return moved, nil
}

func (s *Service) pipelineFor(ctx context.Context, sc *project.Scope, repo interface {
	Branches(ctx context.Context) (map[string]string, error)
}, p StatusParams) (*storagev1.Pipeline, bool, error) {
	pid := sc.Project.GetId()
	if p.PipelineID != 0 {
		pl, err := s.store.Pipelines().Get(ctx, pid, p.PipelineID)
		if err != nil || pl.GetSha() != p.SHA {
			return nil, false, ErrNotFound
		}
		return pl, false, nil
	}
	pl, err := s.Newest(ctx, pid, p.SHA, p.Ref)
	if err != nil || pl != nil {
		return pl, false, err
	}
	ref := p.Ref
	if ref == "" {
		// GitLab takes the branch the commit is the head of.
		branches, err := repo.Branches(ctx)
		if err != nil {
			return nil, false, err
		}
		names := make([]string, 0, len(branches))
		for name, head := range branches {
			if head == p.SHA {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		if len(names) > 0 {
			ref = names[0]
		}
	}
	now := timestamppb.New(s.clock.Now())
	pl, err = s.store.Pipelines().Create(ctx, &storagev1.Pipeline{
		ProjectId: pid, Sha: p.SHA, Ref: ref, Source: "external", UserId: sc.Caller.UserID,
		Status: int32(Created), CreateTime: now, UpdateTime: now,
	})
	return pl, true, err
}

// Statuses lists the statuses reported on a commit, optionally of one ref
// and one job name. Reporters and above.
func (s *Service) Statuses(ctx context.Context, sc *project.Scope, sha, ref, name string) ([]*storagev1.CommitStatus, error) {
	if !sc.CanReadMergeRequests() {
		return nil, auth.ErrForbidden
	}
	pls, err := s.store.Pipelines().ForSHA(ctx, sc.Project.GetId(), sha)
	if err != nil {
		return nil, err
	}
	var out []*storagev1.CommitStatus
	for _, pl := range pls {
		if ref != "" && pl.GetRef() != ref {
			continue
		}
		all, err := s.store.Pipelines().Statuses(ctx, sc.Project.GetId(), pl.GetId())
		if err != nil {
			return nil, err
		}
		for _, st := range all {
			if name == "" || st.GetName() == name {
				out = append(out, st)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetId() > out[j].GetId() })
	return out, nil
}
