package mergetrain

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/signalbox/signalbox/server/project"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/train"
)

// viewHistory is how many merged and how many dropped cars a train view
// shows: the page's history, not an archive.
const viewHistory = 10

// TrainView is one train as its page shows it.
type TrainView struct {
	Branch string
	// Cars are those still on the train (idle, stale, fresh, merging), in
	// train order: the first lands next.
	Cars []*CarView
	// Merged are the last merged and skip_merged cars, newest first.
	Merged []*CarView
	// Dropped are the last cars that left without merging, newest first.
	Dropped []*DroppedView
	// Enabled is whether the project runs merge trains.
	Enabled bool
}

// DroppedView is a car that left its train, and why.
type DroppedView struct {
	*CarView
	Cause train.Cause
	Time  *timestamppb.Timestamp
}

// Reason is GitLab's wording of why the car left, without the note's
// "Learn more" link: "the pipeline did not succeed.".
func (d *DroppedView) Reason() string {
	if d.Cause.Reason == train.ReasonCancelled {
		return "a user removed it from the merge train."
	}
	text, _, cut := strings.Cut(d.Cause.Text(""), " [Learn more](")
	if cut && !strings.HasSuffix(text, ".") {
		text += "."
	}
	return text
}

// Train returns the train of branch as the caller may see it: reporters
// and above, or anyone who may read the project's merge requests.
func (s *Service) Train(ctx context.Context, sc *project.Scope, branch string) (*TrainView, error) {
	if err := s.requireRead(sc); err != nil {
		return nil, err
	}
	pid := sc.Project.GetId()
	t, err := s.store.Trains().Load(ctx, store.TrainRef{ProjectID: pid, Branch: branch})
	if err != nil {
		return nil, err
	}
	out := &TrainView{Branch: branch, Enabled: sc.Project.GetSettings().GetMergeTrainsEnabled()}
	for _, c := range t.GetCars() {
		v, err := s.view(ctx, c)
		if err != nil {
			return nil, err
		}
		if train.State(c.GetState()).Refreshable() {
			out.Cars = append(out.Cars, v)
		} else {
			out.Merged = append(out.Merged, v)
		}
	}
	slices.SortStableFunc(out.Merged, func(a, b *CarView) int {
		return b.Car.GetMergeTime().AsTime().Compare(a.Car.GetMergeTime().AsTime())
	})
	out.Merged = out.Merged[:min(len(out.Merged), viewHistory)]
	dropped := t.GetDropped()
	for i := len(dropped) - 1; i >= 0 && len(out.Dropped) < viewHistory; i-- {
		c := dropped[i]
		v, err := s.view(ctx, c)
		if err != nil {
			return nil, err
		}
		out.Dropped = append(out.Dropped, &DroppedView{CarView: v, Cause: causeOf(c.GetDrop()), Time: c.GetDropTime()})
	}
	return out, nil
}
