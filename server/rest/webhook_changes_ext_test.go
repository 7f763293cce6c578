package rest_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// TestPayloadSaysWhatChanged: an edit reaches the check service with
// GitLab's "changes" ({previous, current} per changed attribute),
// last_edited_at/by and updated_by_id set, and merge_params present.
func TestPayloadSaysWhatChanged(t *testing.T) {
	t.Parallel()
	srv, root := localServer(t)
	rcv := newReceiver(t)
	proj := checkedProject(t, srv, root, rcv)
	dev := userClient(t, srv, root, "dave", proj.ID, gitlab.DeveloperPermissions)
	me, _, err := dev.Users.CurrentUser()
	require.NoError(t, err)

	_, _, err = dev.MergeRequests.UpdateMergeRequest(proj.ID, 1, &gitlab.UpdateMergeRequestOptions{
		Title: gitlab.Ptr("Draft: Add the app"), Description: gitlab.Ptr("Now with tests."),
	})
	require.NoError(t, err)
	ev := rcv.next(t)
	require.Equal(t, "update", ev.ObjectAttributes.Action)
	require.Equal(t, "Add app", ev.Changes.Title.Previous)
	require.Equal(t, "Draft: Add the app", ev.Changes.Title.Current)
	require.Equal(t, "", ev.Changes.Description.Previous)
	require.Equal(t, "Now with tests.", ev.Changes.Description.Current)
	require.False(t, ev.Changes.Draft.Previous)
	require.True(t, ev.Changes.Draft.Current)
	require.Equal(t, me.ID, ev.Changes.UpdatedByID.Current)
	require.Equal(t, me.ID, ev.Changes.LastEditedByID.Current)
	require.Empty(t, ev.Changes.LastEditedAt.Previous)
	require.NotEmpty(t, ev.Changes.LastEditedAt.Current)
	require.Equal(t, me.ID, ev.ObjectAttributes.LastEditedByID)
	require.Equal(t, me.ID, ev.ObjectAttributes.UpdatedByID)
	require.Equal(t, ev.Changes.LastEditedAt.Current, ev.ObjectAttributes.LastEditedAt)
	require.NotNil(t, ev.ObjectAttributes.MergeParams, "merge_params is sent")
	require.Empty(t, ev.Changes.TargetBranch.Previous, "what did not change is not listed")

	// Closing: state_id and updated_by_id change; the title and the last
	// edit do not.
	_, _, err = root.MergeRequests.UpdateMergeRequest(proj.ID, 1, &gitlab.UpdateMergeRequestOptions{StateEvent: gitlab.Ptr("close")})
	require.NoError(t, err)
	ev = rcv.next(t)
	require.Equal(t, "close", ev.ObjectAttributes.Action)
	require.EqualValues(t, 1, ev.Changes.StateID.Previous)
	require.EqualValues(t, 2, ev.Changes.StateID.Current)
	require.Equal(t, me.ID, ev.Changes.UpdatedByID.Previous)
	require.EqualValues(t, 1, ev.Changes.UpdatedByID.Current)
	require.Empty(t, ev.Changes.Title.Current)
	require.Empty(t, ev.Changes.LastEditedByID.Current)
	require.Equal(t, me.ID, ev.ObjectAttributes.LastEditedByID, "closing is not an edit")
}
