package train

import (
	"strconv"
	"strings"
)

// Reason is why a car leaves the train without merging. Reasons are stable
// identifiers (see String) for the API and logs; Cause.Text renders GitLab's
// wording for the system note.
type Reason int

// The reasons a car is dropped. The zero value is not a reason.
const (
	// ReasonPipelineFailed: the car's pipeline completed without success.
	ReasonPipelineFailed Reason = iota + 1
	// ReasonClosed: the MR is no longer open (closed, or merged outside the
	// train).
	ReasonClosed
	// ReasonBroken: the MR cannot be merged for a reason other than CI (its
	// source branch or head commit is gone).
	ReasonBroken
	// ReasonDraft: the MR was marked as draft.
	ReasonDraft
	// ReasonNotAutoMerge: auto-merge was turned off on the MR.
	ReasonNotAutoMerge
	// ReasonSourceBranchUpdated: the MR's source branch moved after the car
	// was built.
	ReasonSourceBranchUpdated
	// ReasonPreviousRefMissing: the commit the car must be built on does not
	// exist (target branch deleted, ref of the car ahead missing).
	ReasonPreviousRefMissing
	// ReasonPipelineNotCreated: the car's pipeline could not be created;
	// Cause.Detail says why.
	ReasonPipelineNotCreated
	// ReasonConflict: the MR does not merge cleanly onto the car ahead or the
	// target; Cause.Paths lists the conflicting files.
	ReasonConflict
	// ReasonMergeFailed: moving the target branch failed; Cause.Detail says
	// why.
	ReasonMergeFailed
	// ReasonStatusChecksFailed: the project requires status checks to pass
	// and one failed when the car was ready to merge.
	ReasonStatusChecksFailed
	// ReasonTrainsDisabled: the project turned merge trains off.
	ReasonTrainsDisabled
	// ReasonNotOnTrain: the MR left the train (for example, it was
	// retargeted) while its car remained.
	ReasonNotOnTrain
	// ReasonCancelled: a user removed the MR from the train.
	ReasonCancelled
	// ReasonCarChecksFailed: an external status check failed for the car's
	// train commit (status checks that follow the merge train).
	ReasonCarChecksFailed
)

// String returns the reason's stable identifier, such as "pipeline_failed".
func (r Reason) String() string {
	switch r {
	case ReasonPipelineFailed:
		return "pipeline_failed"
	case ReasonClosed:
		return "merge_request_closed"
	case ReasonBroken:
		return "merge_request_broken"
	case ReasonDraft:
		return "merge_request_draft"
	case ReasonNotAutoMerge:
		return "auto_merge_disabled"
	case ReasonSourceBranchUpdated:
		return "source_branch_updated"
	case ReasonPreviousRefMissing:
		return "previous_ref_missing"
	case ReasonPipelineNotCreated:
		return "pipeline_not_created"
	case ReasonConflict:
		return "merge_conflict"
	case ReasonMergeFailed:
		return "merge_failed"
	case ReasonStatusChecksFailed:
		return "status_checks_failed"
	case ReasonTrainsDisabled:
		return "merge_trains_disabled"
	case ReasonNotOnTrain:
		return "not_on_merge_train"
	case ReasonCancelled:
		return "cancelled"
	case ReasonCarChecksFailed:
		return "merge_train_status_checks_failed"
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Valid reports whether r is one of the reasons above.
func (r Reason) Valid() bool { return r >= ReasonPipelineFailed && r <= ReasonCarChecksFailed }

// HelpPath is the page GitLab's drop notes link to, relative to the
// instance's base URL.
const HelpPath = "/help/ci/pipelines/merge_trains.md#merge-request-dropped-from-the-merge-train"

// Cause is a reason with the details that go with it.
type Cause struct {
	Reason Reason
	// Detail is the error text for ReasonPipelineNotCreated and
	// ReasonMergeFailed.
	Detail string
	// Paths are the conflicting files for ReasonConflict.
	Paths []string
}

// Text returns GitLab's wording of the cause (the part of the system note
// after "because"); baseURL is the instance's external URL, used for the
// "Learn more" link. A cancel has no text.
//
// The texts of GitLab's refresh service are kept word for word. Conflicts,
// failed status checks and a source branch push use the same shapes
// ("could not be prepared: …", "failed to merge. …") so notes read alike.
func (c Cause) Text(baseURL string) string {
	learn := " [Learn more](" + strings.TrimSuffix(baseURL, "/") + HelpPath + ")."
	switch c.Reason {
	case ReasonPipelineFailed:
		return "the pipeline did not succeed." + learn
	case ReasonClosed:
		return "the merge request is closed." + learn
	case ReasonBroken:
		return "the merge request is broken." + learn
	case ReasonDraft:
		return "the merge request is marked as draft." + learn
	case ReasonNotAutoMerge:
		return "the merge request is not set to auto-merge"
	case ReasonSourceBranchUpdated:
		return "the source branch was updated." + learn
	case ReasonPreviousRefMissing:
		return "the previous ref does not exist." + learn
	case ReasonPipelineNotCreated:
		return "the merge train pipeline could not be prepared: " + sentence(c.Detail, "failed to create pipeline") + learn
	case ReasonConflict:
		return "the merge train pipeline could not be prepared: " + sentence("merge conflict in "+strings.Join(c.Paths, ", "), "") + learn
	case ReasonMergeFailed:
		return strings.TrimSpace("failed to merge. " + c.Detail)
	case ReasonStatusChecksFailed:
		return "failed to merge. Status checks must pass."
	case ReasonTrainsDisabled:
		return "project disabled merge trains"
	case ReasonNotOnTrain:
		return "merge request is not on a merge train"
	case ReasonCarChecksFailed:
		return "status checks failed on the merge train commit." + learn
	}
	return ""
}

// Note returns the system note GitLab writes on the MR when the car is
// dropped.
func (c Cause) Note(baseURL string) string {
	const removed = "removed this merge request from the merge train"
	if c.Reason == ReasonCancelled {
		return removed
	}
	return removed + " because " + c.Text(baseURL)
}

// String renders the cause for logs: the reason and its details.
func (c Cause) String() string {
	s := c.Reason.String()
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	if len(c.Paths) > 0 {
		s += ": " + strings.Join(c.Paths, ", ")
	}
	return s
}

// sentence ends s (or def when s is empty) with exactly one period, as
// GitLab's "could not be prepared" notes do.
func sentence(s, def string) string {
	if s == "" {
		s = def
	}
	return strings.TrimRight(s, ".") + "."
}
