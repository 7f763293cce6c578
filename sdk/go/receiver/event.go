package receiver

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrInvalidPayload is returned by [Decode] for a body that is not a merge
// request payload for a status check.
var ErrInvalidPayload = errors.New("not a status check merge request payload")

// Event is what a check needs from a merge request payload. Raw keeps the
// whole payload for anything else.
type Event struct {
	// ID is the delivery's webhook-id: the same for every retry of one
	// event, so it can be used to drop duplicates. [NewHandler] sets it; it
	// is empty when GitLab itself sent the request.
	ID string
	// ProjectID is project.id.
	ProjectID int64
	// MergeRequestIID is object_attributes.iid.
	MergeRequestIID int64
	// SHA is the commit the verdict must name: the merge request's head
	// (object_attributes.last_commit.id), or, for a merge train car, the
	// car's commit (merge_train.car_sha). A verdict for any other sha is
	// refused.
	SHA string
	// HeadSHA is object_attributes.last_commit.id, the merge request's head,
	// also for a merge train car.
	HeadSHA string
	// MergeTrain is set when the event is about a merge train car's commit
	// rather than the head (a Signalbox project with
	// status_checks_follow_merge_train on): check the car's commit, which
	// is what lands, at MergeTrain.TrainRef.
	MergeTrain *MergeTrain
	// Action is object_attributes.action ("open", "update", "close",
	// "reopen", "merge", ...); empty when the check is retried.
	Action string
	// OldRev is object_attributes.oldrev, the previous head, on a push.
	OldRev string
	// Title is the merge request's title.
	Title string
	// SourceBranch and TargetBranch are the merge request's branches.
	SourceBranch string
	TargetBranch string
	// Check is the external status check being asked
	// (external_approval_rule).
	Check Check
	// Raw is the payload exactly as received.
	Raw json.RawMessage
}

// MergeTrain is the merge train car an event asks about.
type MergeTrain struct {
	CarID int64
	// TrainRef is the ref that holds the car's commit, to fetch it:
	// refs/merge-requests/<iid>/train.
	TrainRef string
	// CarSHA is the car's commit: the target branch with the merge request
	// (and the cars ahead of it) merged, what lands if the car merges.
	CarSHA       string
	TargetBranch string
	// Position is the car's place on the train, 1 for the next to land (0
	// in an obsolete notice).
	Position int
}

// ActionMergeTrain and ActionObsolete are the actions of merge train car
// events: a car's commit is to be checked, or a car asked about earlier
// moved on (rebuilt or dropped) and its check may stop; an answer for it is
// no longer taken.
const (
	ActionMergeTrain = "merge_train"
	ActionObsolete   = "obsolete"
)

// IsObsolete reports whether the event withdraws an earlier merge train car
// question: nothing needs answering.
func (e *Event) IsObsolete() bool { return e.MergeTrain != nil && e.Action == ActionObsolete }

// Check identifies the status check a request is for.
type Check struct {
	// ID is the check's id, needed to answer.
	ID int64
	// Name is the check's name.
	Name string
	// URL is the check's full external URL.
	URL string
}

type wireEvent struct {
	ObjectKind string `json:"object_kind"`
	Project    struct {
		ID int64 `json:"id"`
	} `json:"project"`
	ObjectAttributes struct {
		IID          int64  `json:"iid"`
		Title        string `json:"title"`
		SourceBranch string `json:"source_branch"`
		TargetBranch string `json:"target_branch"`
		Action       string `json:"action"`
		OldRev       string `json:"oldrev"`
		LastCommit   struct {
			ID string `json:"id"`
		} `json:"last_commit"`
	} `json:"object_attributes"`
	ExternalApprovalRule *struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		ExternalURL string `json:"external_url"`
	} `json:"external_approval_rule"`
	MergeTrain *struct {
		CarID        int64  `json:"car_id"`
		TrainRef     string `json:"train_ref"`
		CarSHA       string `json:"car_sha"`
		TargetBranch string `json:"target_branch"`
		Position     int    `json:"position"`
	} `json:"merge_train"`
}

// Decode reads a status check payload: GitLab's merge request webhook body
// with its external_approval_rule. It fails with [ErrInvalidPayload] when
// the body is not JSON, not a merge request event, or lacks the project, the
// merge request iid, the head sha or the check.
func Decode(body []byte) (*Event, error) {
	var w wireEvent
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	switch {
	case w.ObjectKind != "merge_request":
		return nil, fmt.Errorf("%w: object_kind is %q", ErrInvalidPayload, w.ObjectKind)
	case w.Project.ID <= 0:
		return nil, fmt.Errorf("%w: no project.id", ErrInvalidPayload)
	case w.ObjectAttributes.IID <= 0:
		return nil, fmt.Errorf("%w: no object_attributes.iid", ErrInvalidPayload)
	case w.ObjectAttributes.LastCommit.ID == "":
		return nil, fmt.Errorf("%w: no object_attributes.last_commit.id", ErrInvalidPayload)
	case w.ExternalApprovalRule == nil || w.ExternalApprovalRule.ID <= 0:
		return nil, fmt.Errorf("%w: no external_approval_rule.id", ErrInvalidPayload)
	case w.MergeTrain != nil && (w.MergeTrain.CarSHA == "" || w.MergeTrain.CarID <= 0):
		return nil, fmt.Errorf("%w: merge_train without car_id or car_sha", ErrInvalidPayload)
	}
	ev := &Event{
		ProjectID:       w.Project.ID,
		MergeRequestIID: w.ObjectAttributes.IID,
		SHA:             w.ObjectAttributes.LastCommit.ID,
		HeadSHA:         w.ObjectAttributes.LastCommit.ID,
		Action:          w.ObjectAttributes.Action,
		OldRev:          w.ObjectAttributes.OldRev,
		Title:           w.ObjectAttributes.Title,
		SourceBranch:    w.ObjectAttributes.SourceBranch,
		TargetBranch:    w.ObjectAttributes.TargetBranch,
		Check: Check{
			ID:   w.ExternalApprovalRule.ID,
			Name: w.ExternalApprovalRule.Name,
			URL:  w.ExternalApprovalRule.ExternalURL,
		},
		Raw: append(json.RawMessage(nil), body...),
	}
	if m := w.MergeTrain; m != nil {
		ev.SHA = m.CarSHA
		ev.MergeTrain = &MergeTrain{CarID: m.CarID, TrainRef: m.TrainRef, CarSHA: m.CarSHA, TargetBranch: m.TargetBranch, Position: m.Position}
	}
	return ev, nil
}
