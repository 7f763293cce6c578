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
// empty, by id (newest first unless ascending, as GitLab sorts).
func (s *Service) List(ctx context.Context, sc *project.Scope, branch string, scope Scope, ascending bool) ([]*CarView, error) {
	if err := s.requireRead(sc); err != nil {
		return nil, err
	}
	all, err := s.store.Cars().List(ctx, sc.Project.GetId())
	if err != nil {
		return nil, err
	}
	var out []*CarView
	for _, c := range all {
		st := train.State(c.GetState())
		if branch != "" && c.GetTargetBranch() != branch ||
			scope == ScopeActive && !st.Active() || scope == ScopeComplete && !st.Complete() {
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
	cars, err := s.trainCars(ctx, projectID, branch)
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

// Get returns a merge request's car, whatever its state.
func (s *Service) Get(ctx context.Context, sc *project.Scope, iid int64) (*CarView, error) {
	if err := s.requireRead(sc); err != nil {
		return nil, err
	}
	if _, err := s.mergeRequests.Find(ctx, sc, iid); err != nil {
		return nil, err
	}
	c, err := s.store.Cars().ForMergeRequest(ctx, sc.Project.GetId(), iid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrCarNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c)
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
