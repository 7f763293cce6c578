package mergerequest

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/statuscheck"
)

// attributeChanges lists what an edit changed, as GitLab's webhook payload
// names them under "changes": each attribute that differs, with its
// previous and current value, in GitLab's names.
func attributeChanges(before, after *storagev1.MergeRequest) []statuscheck.AttributeChange {
	var out []statuscheck.AttributeChange
	add := func(name string, prev, cur any) {
		if prev != cur {
			out = append(out, statuscheck.AttributeChange{Name: name, Previous: prev, Current: cur})
		}
	}
	add("title", before.GetTitle(), after.GetTitle())
	add("description", before.GetDescription(), after.GetDescription())
	add("target_branch", before.GetTargetBranch(), after.GetTargetBranch())
	add("state_id", stateID(before.GetState()), stateID(after.GetState()))
	add("draft", before.GetDraft(), after.GetDraft())
	add("updated_at", timeOf(before.GetUpdateTime()), timeOf(after.GetUpdateTime()))
	add("updated_by_id", idOrNil(before.GetUpdatedById()), idOrNil(after.GetUpdatedById()))
	add("last_edited_at", timeOf(before.GetLastEditTime()), timeOf(after.GetLastEditTime()))
	add("last_edited_by_id", idOrNil(before.GetLastEditedById()), idOrNil(after.GetLastEditedById()))
	return out
}

// stateID is GitLab's state_id of a signalbox.v1.MergeRequestState: the
// enum's numbers are GitLab's (1 opened, 2 closed, 3 merged).
func stateID(state int32) int64 { return int64(state) }

func timeOf(t *timestamppb.Timestamp) any {
	if t == nil {
		return nil
	}
	return t.AsTime()
}

func idOrNil(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
