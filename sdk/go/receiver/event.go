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
	// SHA is object_attributes.last_commit.id: the head commit the verdict
	// must name. A verdict for any other sha is refused.
	SHA string
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
	}
	return &Event{
		ProjectID:       w.Project.ID,
		MergeRequestIID: w.ObjectAttributes.IID,
		SHA:             w.ObjectAttributes.LastCommit.ID,
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
	}, nil
}
