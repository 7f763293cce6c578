package train_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/train"
)

func TestCauseText(t *testing.T) {
	t.Parallel()
	const base = "https://signalbox.example/"
	const learn = " [Learn more](https://signalbox.example/help/ci/pipelines/merge_trains.md#merge-request-dropped-from-the-merge-train)."
	tests := []struct {
		name  string
		cause train.Cause
		id    string
		text  string
	}{
		{"pipeline failed", train.Cause{Reason: train.ReasonPipelineFailed}, "pipeline_failed",
			"the pipeline did not succeed." + learn},
		{"closed", train.Cause{Reason: train.ReasonClosed}, "merge_request_closed",
			"the merge request is closed." + learn},
		{"broken", train.Cause{Reason: train.ReasonBroken}, "merge_request_broken",
			"the merge request is broken." + learn},
		{"draft", train.Cause{Reason: train.ReasonDraft}, "merge_request_draft",
			"the merge request is marked as draft." + learn},
		{"not auto-merge", train.Cause{Reason: train.ReasonNotAutoMerge}, "auto_merge_disabled",
			"the merge request is not set to auto-merge"},
		{"source updated", train.Cause{Reason: train.ReasonSourceBranchUpdated}, "source_branch_updated",
			"the source branch was updated." + learn},
		{"previous ref", train.Cause{Reason: train.ReasonPreviousRefMissing}, "previous_ref_missing",
			"the previous ref does not exist." + learn},
		{"pipeline not created", train.Cause{Reason: train.ReasonPipelineNotCreated, Detail: "Failed to create merge commit for source_sha abc and target_sha def."}, "pipeline_not_created",
			"the merge train pipeline could not be prepared: Failed to create merge commit for source_sha abc and target_sha def." + learn},
		{"pipeline not created, no detail", train.Cause{Reason: train.ReasonPipelineNotCreated}, "pipeline_not_created",
			"the merge train pipeline could not be prepared: failed to create pipeline." + learn},
		{"conflict", train.Cause{Reason: train.ReasonConflict, Paths: []string{"a.go", "docs/b.md"}}, "merge_conflict",
			"the merge train pipeline could not be prepared: merge conflict in a.go, docs/b.md." + learn},
		{"merge failed", train.Cause{Reason: train.ReasonMergeFailed, Detail: "the target branch moved"}, "merge_failed",
			"failed to merge. the target branch moved"},
		{"merge failed, no detail", train.Cause{Reason: train.ReasonMergeFailed}, "merge_failed",
			"failed to merge."},
		{"status checks", train.Cause{Reason: train.ReasonStatusChecksFailed}, "status_checks_failed",
			"failed to merge. Status checks must pass."},
		{"trains disabled", train.Cause{Reason: train.ReasonTrainsDisabled}, "merge_trains_disabled",
			"project disabled merge trains"},
		{"not on train", train.Cause{Reason: train.ReasonNotOnTrain}, "not_on_merge_train",
			"merge request is not on a merge train"},
		{"cancelled", train.Cause{Reason: train.ReasonCancelled}, "cancelled", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.True(t, tt.cause.Reason.Valid())
			require.Equal(t, tt.id, tt.cause.Reason.String())
			require.Equal(t, tt.text, tt.cause.Text(base))
			if tt.cause.Reason == train.ReasonCancelled {
				require.Equal(t, "removed this merge request from the merge train", tt.cause.Note(base))
				return
			}
			require.Equal(t, "removed this merge request from the merge train because "+tt.text, tt.cause.Note(base))
		})
	}
	require.False(t, train.Reason(0).Valid(), "the zero value is not a reason")
	require.Equal(t, "Reason(0)", train.Reason(0).String())
}

func TestCauseString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "merge_conflict: a.go, b.go", train.Cause{Reason: train.ReasonConflict, Paths: []string{"a.go", "b.go"}}.String())
	require.Equal(t, "merge_failed: boom", train.Cause{Reason: train.ReasonMergeFailed, Detail: "boom"}.String())
}
