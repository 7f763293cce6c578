package statuscheck

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/server/event"
	"github.com/signalbox/signalbox/server/store"
)

// Status checks that follow the merge train (the project setting
// status_checks_follow_merge_train; docs/train-checks.md). The merge train's
// owner asks the checks about each car's commit (AskCar), judges the car by
// their answers (CarOutcome), and settles the asks of cars that moved on
// (SettleCar). Answers come through Respond with the car's sha.

// Delivery events of car checks, as the delivery log shows them.
const (
	// EventMergeTrain asks a check about a car's commit.
	EventMergeTrain = "merge_train"
	// EventObsolete tells a check that a car it was asked about moved on.
	EventObsolete = "obsolete"
	// EventReused records an answer reused for a commit of the same tree;
	// nothing is sent.
	EventReused = "reused"
)

// Car is a merge train car's commit, as checks are asked about it.
type Car struct {
	ID int64
	// TrainRef is the ref that holds the commit, refs/merge-requests/<iid>/train.
	TrainRef string
	// SHA is the commit that lands if the car merges; TreeSHA its tree.
	SHA     string
	TreeSHA string
	// TargetBranch is the train's.
	TargetBranch string
	// Position is the car's place on the train, 1 for the next to land.
	Position int
	// UserID added the merge request to the train.
	UserID int64
}

// FollowsTrain reports whether the project asks its checks about merge
// train cars.
func FollowsTrain(p *storagev1.Project) bool {
	return p.GetSettings().GetStatusChecksFollowMergeTrain()
}

// AskCar asks every check that applies to mr about a car's commit, once: a
// check that already answered for a commit of the same tree (a rebuild that
// made the same tree) gets that answer copied, and the delivery log records
// it as reused instead of a delivery. The pending responses, the deliveries
// and the ask itself are one write, so the train's owner, which asks about
// every built car that has no ask yet, completes an ask a crash cut short.
func (s *Service) AskCar(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, car Car) error {
	pid, iid := p.GetId(), mr.GetIid()
	checks, err := s.applicable(ctx, pid, mr.GetTargetBranch())
	if err != nil {
		return err
	}
	ids := make([]int64, len(checks))
	for i, c := range checks {
		ids[i] = c.Record.GetId()
	}
	w := store.Dispatch{ProjectID: pid, MergeRequestIID: iid, CarAsk: &storagev1.CarCheckAsk{
		CarId: car.ID, MergeRequestIid: iid, Sha: car.SHA, TreeSha: car.TreeSHA, TargetBranch: car.TargetBranch,
	}}
	now := s.clock.Now()
	var outs []Outgoing
	err = s.holdPairs(ctx, pid, iid, ids, func() error {
		answered, err := s.store.Responses().TreeAnswers(ctx, pid, iid, car.TreeSHA, ids)
		if err != nil {
			return err
		}
		for _, c := range checks {
			r := &storagev1.StatusCheckResponse{
				ProjectId: pid, MergeRequestIid: iid, CheckId: c.Record.GetId(), Sha: car.SHA,
				CarId: car.ID, TreeSha: car.TreeSHA, CreateTime: timestamppb.New(now),
			}
			if prior, ok := answered[c.Record.GetId()]; ok {
				r.Status, r.ReusedFromSha = prior.GetStatus(), prior.GetSha()
				w.Responses = append(w.Responses, r)
				w.Deliveries = append(w.Deliveries, &storagev1.Delivery{
					ProjectId: pid, CheckId: c.Record.GetId(), MergeRequestIid: iid, Event: EventReused, Sha: car.SHA,
					CreateTime: timestamppb.New(now), NextAttemptTime: timestamppb.New(now),
					State: int32(signalboxv1.DeliveryState_DELIVERY_STATE_REUSED),
				})
				continue
			}
			deadline := now.Add(s.timeout(p, c.Record))
			r.Status, r.Deadline = int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING), timestamppb.New(deadline)
			w.Responses = append(w.Responses, r)
			outs = append(outs, Outgoing{
				Project: p, MergeRequest: mr, Check: c.Record, ActorID: car.UserID, Action: EventMergeTrain,
				Deadline: deadline, Car: &car,
			})
		}
		sent, err := s.sender.Deliveries(ctx, outs)
		if err != nil {
			return err
		}
		w.Deliveries = append(w.Deliveries, sent...)
		return s.store.Responses().Dispatch(ctx, w)
	})
	if err != nil {
		return fmt.Errorf("ask checks about car %d (%s): %w", car.ID, car.SHA, err)
	}
	s.logger.InfoContext(ctx, "status checks asked about a merge train car", "project_id", pid, "mr_iid", iid,
		"car_id", car.ID, "sha", car.SHA, "asked", len(outs), "reused", len(checks)-len(outs))
	if len(w.Deliveries) > 0 {
		s.sender.Queued()
	}
	s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: pid, MergeRequestIID: iid})
	return nil
}

// CarOutcome sums up the checks that apply to mr for a car's commit:
// passed when all have passed (or none apply), failed when any has failed
// (a pending one past its deadline has). A check not asked yet is pending.
func (s *Service) CarOutcome(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, sha string) (passed, failed bool, err error) {
	statuses, err := s.CarStatuses(ctx, p, mr, sha)
	if err != nil {
		return false, false, err
	}
	all := make([]signalboxv1.StatusCheckStatus, len(statuses))
	for i, st := range statuses {
		all[i] = st.Status
	}
	passed, failed = sumUp(all)
	return passed, failed, nil
}

// CarCheckStatus is a check's state for a car's commit.
type CarCheckStatus struct {
	Check    *Check
	Response *storagev1.StatusCheckResponse
	// Status is as of now: a pending response past its deadline is failed.
	Status signalboxv1.StatusCheckStatus
}

// CarStatuses lists the checks that apply to mr with their state for a
// car's commit.
func (s *Service) CarStatuses(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, sha string) ([]CarCheckStatus, error) {
	checks, err := s.applicable(ctx, p.GetId(), mr.GetTargetBranch())
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(checks))
	for i, c := range checks {
		ids[i] = c.Record.GetId()
	}
	newest, err := s.store.Responses().Newest(ctx, p.GetId(), mr.GetIid(), sha, ids)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := make([]CarCheckStatus, len(checks))
	for i, c := range checks {
		r := newest[c.Record.GetId()]
		out[i] = CarCheckStatus{Check: c, Response: r, Status: statusAt(r, now)}
	}
	return out, nil
}

// SettleCar ends an ask whose car moved on (rebuilt, dropped or merged):
// its outstanding deliveries are cancelled, and every response still
// pending becomes obsolete, its check told with an "obsolete" payload, in
// one write that also removes the ask. A delivery being attempted right
// now cannot be withdrawn; its check learns from the notice that follows.
func (s *Service) SettleCar(ctx context.Context, p *storagev1.Project, ask *storagev1.CarCheckAsk) error {
	pid, iid := p.GetId(), ask.GetMergeRequestIid()
	mr, err := s.store.MergeRequests().Get(ctx, pid, iid)
	if err != nil {
		return err
	}
	recs, err := s.store.Checks().List(ctx, pid)
	if err != nil {
		return err
	}
	ids := make([]int64, len(recs))
	for i, c := range recs {
		ids[i] = c.GetId()
		if err := s.cancelCarDeliveries(ctx, pid, c.GetId(), iid, ask.GetSha()); err != nil {
			return err
		}
	}
	car := &Car{ID: ask.GetCarId(), TrainRef: "refs/merge-requests/" + fmt.Sprint(iid) + "/train", SHA: ask.GetSha(),
		TreeSHA: ask.GetTreeSha(), TargetBranch: ask.GetTargetBranch(), UserID: 0}
	now := s.clock.Now()
	w := store.Dispatch{ProjectID: pid, MergeRequestIID: iid, CarSettled: ask.GetSha()}
	err = s.holdPairs(ctx, pid, iid, ids, func() error {
		newest, err := s.store.Responses().Newest(ctx, pid, iid, ask.GetSha(), ids)
		if err != nil {
			return err
		}
		var outs []Outgoing
		for _, c := range recs {
			r := newest[c.GetId()]
			if r == nil || r.GetObsolete() || r.GetStatus() != int32(signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING) {
				continue
			}
			// No deadline: nothing waits for it any more, and its old
			// deadline entry is stale for the sweeper.
			r.Obsolete, r.Deadline = true, nil
			w.Responses = append(w.Responses, r)
			outs = append(outs, Outgoing{
				Project: p, MergeRequest: mr, Check: c, Action: EventObsolete,
				Deadline: now.Add(s.timeout(p, c)), Car: car,
			})
		}
		if w.Deliveries, err = s.sender.Deliveries(ctx, outs); err != nil {
			return err
		}
		return s.store.Responses().Dispatch(ctx, w)
	})
	if err != nil {
		return fmt.Errorf("settle checks of car %d (%s): %w", ask.GetCarId(), ask.GetSha(), err)
	}
	if len(w.Deliveries) > 0 {
		s.logger.InfoContext(ctx, "merge train car checks obsolete", "project_id", pid, "mr_iid", iid,
			"car_id", ask.GetCarId(), "sha", ask.GetSha(), "notices", len(w.Deliveries))
		s.sender.Queued()
		s.events.Publish(ctx, event.Event{Kind: event.StatusCheckChanged, ProjectID: pid, MergeRequestIID: iid})
	}
	return nil
}

// cancelCarDeliveries withdraws the pending deliveries that ask a check
// about a car's commit. The delivery log holds a check's newest 100, and
// the asks of a car are among the newest while it is on the train.
func (s *Service) cancelCarDeliveries(ctx context.Context, pid, checkID, iid int64, sha string) error {
	log, err := s.store.Deliveries().Log(ctx, pid, checkID, 100)
	if err != nil {
		return err
	}
	for _, d := range log {
		if d.GetMergeRequestIid() != iid || d.GetSha() != sha || d.GetEvent() != EventMergeTrain ||
			d.GetState() != int32(signalboxv1.DeliveryState_DELIVERY_STATE_PENDING) {
			continue
		}
		if _, err := s.sender.Cancel(ctx, store.DeliveryRef{ProjectID: pid, ID: d.GetId()}); err != nil {
			return err
		}
	}
	return nil
}

// answersCar makes r an answer about the car commit its sha names, read
// again under the pair's lease: a car that moved on meanwhile takes no
// answer (ShaMismatchError, as for any sha that is not the head).
func (s *Service) answersCar(ctx context.Context, p *storagev1.Project, mr *storagev1.MergeRequest, r *storagev1.StatusCheckResponse) error {
	asked, err := s.carResponse(ctx, p, mr.GetIid(), r.GetCheckId(), r.GetSha())
	if err != nil {
		return err
	}
	if asked == nil {
		return &ShaMismatchError{Head: mr.GetHeadSha()}
	}
	r.CarId, r.TreeSha = asked.GetCarId(), asked.GetTreeSha()
	return nil
}

// carResponse is the newest response of a check for a car's commit that
// still takes answers, or nil: the project follows the train, the check
// was asked about that commit, and the ask is not settled (its car has not
// moved on).
func (s *Service) carResponse(ctx context.Context, p *storagev1.Project, iid, checkID int64, sha string) (*storagev1.StatusCheckResponse, error) {
	if !FollowsTrain(p) || sha == "" {
		return nil, nil
	}
	newest, err := s.store.Responses().Newest(ctx, p.GetId(), iid, sha, []int64{checkID})
	if err != nil {
		return nil, err
	}
	r := newest[checkID]
	if r == nil || r.GetCarId() == 0 || r.GetObsolete() {
		return nil, nil
	}
	// Answered before its car moved on, it is not obsolete, but its ask is
	// settled: the car left, and takes no more answers.
	asks, err := s.store.Responses().CarAsks(ctx, p.GetId())
	if err != nil {
		return nil, err
	}
	for _, a := range asks {
		if a.GetMergeRequestIid() == iid && a.GetSha() == sha {
			return r, nil
		}
	}
	return nil, nil
}
