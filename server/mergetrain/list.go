package mergetrain

import (
	"context"
	"errors"
	"slices"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// Scope filters cars: active (idle, stale, fresh) or complete (merged,
// merging, skip_merged); any other value takes every car.
type Scope int

// The scopes.
const (
	ScopeAll Scope = iota
	ScopeActive
	ScopeComplete
)

// List returns a project's cars, or one target branch's when branch is not
// empty, by id (newest first unless ascending, as GitLab sorts). Cars that
// left without merging are not listed: GitLab deletes them.
func (s *Service) List(ctx context.Context, sc *project.Scope, branch string, scope Scope, ascending bool) ([]*CarView, error) {
	if err := s.requireRead(sc); err != nil {
		return nil, err
	}
	all, err := s.cars(ctx, sc.Project.GetId(), branch)
	if err != nil {
		return nil, err
	}
	var out []*CarView
	for _, c := range all {
		st := train.State(c.GetState())
		if scope == ScopeActive && !st.Active() || scope == ScopeComplete && !st.Complete() {
			continue
		}
		v, err := s.view(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if !ascending {
		slices.Reverse(out)
	}
	return out, nil
}

// list is every car of one train, oldest first, for answers that show the
// whole train.
func (s *Service) list(ctx context.Context, projectID int64, branch string) ([]*CarView, error) {
	cars, err := s.cars(ctx, projectID, branch)
	if err != nil {
		return nil, err
	}
	out := make([]*CarView, 0, len(cars))
	for _, c := range cars {
		v, err := s.view(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// cars returns the cars of a project's trains (or of the train of branch
// when it is not empty), those the train records hold and the archived
// ones, by id.
func (s *Service) cars(ctx context.Context, projectID int64, branch string) ([]*storagev1.Car, error) {
	branches := []string{branch}
	if branch == "" {
		var err error
		if branches, err = s.store.Trains().Branches(ctx, projectID); err != nil {
			return nil, err
		}
	}
	var out []*storagev1.Car
	seen := map[int64]bool{}
	for _, b := range branches {
		t, err := s.store.Trains().Load(ctx, store.TrainRef{ProjectID: projectID, Branch: b})
		if err != nil {
			return nil, err
		}
		for _, c := range t.GetCars() {
			seen[c.GetId()] = true
			out = append(out, c)
		}
	}
	archived, err := s.store.Trains().Archived(ctx, projectID)
	if err != nil {
		return nil, err
	}
	for _, c := range archived {
		if !seen[c.GetId()] && (branch == "" || c.GetTargetBranch() == branch) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *storagev1.Car) int { return int(a.GetId() - b.GetId()) })
	return out, nil
}

// Get returns a merge request's car, whatever its state.
func (s *Service) Get(ctx context.Context, sc *project.Scope, iid int64) (*CarView, error) {
	if err := s.requireRead(sc); err != nil {
		return nil, err
	}
	if _, err := s.mergeRequests.Find(ctx, sc, iid); err != nil {
		return nil, err
	}
	c, err := s.carOf(ctx, sc.Project.GetId(), iid)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c)
}

// carOf finds merge request iid's newest car.
func (s *Service) carOf(ctx context.Context, projectID, iid int64) (*storagev1.Car, error) {
	all, err := s.cars(ctx, projectID, "")
	if err != nil {
		return nil, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].GetMergeRequestIid() == iid {
			return all[i], nil
		}
	}
	return nil, ErrCarNotFound
}

// view loads what a car's entity shows.
func (s *Service) view(ctx context.Context, c *storagev1.Car) (*CarView, error) {
	v := &CarView{Car: c}
	var err error
	if v.MergeRequest, err = s.store.MergeRequests().Get(ctx, c.GetProjectId(), c.GetMergeRequestIid()); err != nil {
		return nil, err
	}
	if v.User, err = s.store.Users().Get(ctx, c.GetUserId()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if c.GetPipelineId() != 0 {
		if v.Pipeline, err = s.store.Pipelines().Get(ctx, c.GetProjectId(), c.GetPipelineId()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if err := s.carCheckViews(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// NoteView is a note with its author.
type NoteView struct {
	Note   *storagev1.Note
	Author *storagev1.User
}

// Notes returns a merge request's notes, oldest first: among them, why it
// left a train, which GitLab keeps only as a note too.
func (s *Service) Notes(ctx context.Context, sc *project.Scope, iid int64) ([]*NoteView, *storagev1.MergeRequest, error) {
	mr, err := s.mergeRequests.Find(ctx, sc, iid)
	if err != nil {
		return nil, nil, err
	}
	notes, err := s.store.Notes().List(ctx, sc.Project.GetId(), iid)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*NoteView, 0, len(notes))
	for _, n := range notes {
		v := &NoteView{Note: n}
		if n.GetAuthorId() != 0 {
			if v.Author, err = s.store.Users().Get(ctx, n.GetAuthorId()); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, nil, err
			}
		}
		out = append(out, v)
	}
	return out, mr, nil
}
