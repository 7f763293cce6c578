package delivery_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/delivery"
)

// sampleEvent mirrors the example payload of GitLab's documentation.
func sampleEvent() *delivery.Event {
	return &delivery.Event{
		Project: delivery.Project{
			ID:                6,
			Name:              "Flight",
			Description:       "Ipsa minima est consequuntur quisquam.",
			PathWithNamespace: "flightjs/Flight",
			WebURL:            "http://example.com/flightjs/Flight",
			HTTPURL:           "http://example.com/flightjs/Flight.git",
			DefaultBranch:     "master",
			Visibility:        delivery.VisibilityPublic,
		},
		MergeRequest: delivery.MergeRequest{
			ID:                  144,
			IID:                 4,
			Title:               "Update README.md",
			State:               "opened",
			SourceBranch:        "root-master-patch-30152",
			TargetBranch:        "master",
			AuthorID:            1,
			CreatedAt:           time.Date(2022, 12, 7, 7, 53, 43, 0, time.UTC),
			UpdatedAt:           time.Date(2022, 12, 7, 8, 53, 43, 0, time.FixedZone("CET", 3600)),
			WebURL:              "http://example.com/flightjs/Flight/-/merge_requests/4",
			MergeStatus:         "can_be_merged",
			DetailedMergeStatus: "mergeable",
		},
		User: delivery.User{ID: 1, Name: "Administrator", Username: "root"},
		Commit: delivery.Commit{
			SHA:         "141be9714669a4c1ccaa013c6a7f3e462ff2a40f",
			Message:     "Update README.md\n\nLonger explanation.\n",
			Timestamp:   time.Date(2022, 12, 7, 7, 52, 11, 0, time.UTC),
			AuthorName:  "Administrator",
			AuthorEmail: "admin@example.com",
		},
		Action: "open",
		Check:  delivery.Check{ID: 1, Name: "QA", URL: "https://example.com/hook?team=qa"},
	}
}

func parseMergeEvent(t *testing.T, body []byte) *gitlab.MergeEvent {
	t.Helper()
	parsed, err := gitlab.ParseWebhook(gitlab.EventTypeMergeRequest, body)
	require.NoError(t, err)
	ev, ok := parsed.(*gitlab.MergeEvent)
	require.True(t, ok, "%T", parsed)
	return ev
}

func TestPayloadParsesAsGitLabMergeEvent(t *testing.T) {
	t.Parallel()
	body, err := delivery.Payload(sampleEvent())
	require.NoError(t, err)
	ev := parseMergeEvent(t, body)

	require.Equal(t, "merge_request", ev.ObjectKind)
	require.Equal(t, "merge_request", ev.EventType)

	require.Equal(t, int64(1), ev.User.ID)
	require.Equal(t, "Administrator", ev.User.Name)
	require.Equal(t, "root", ev.User.Username)
	require.Equal(t, "[REDACTED]", ev.User.Email)

	require.Equal(t, int64(6), ev.Project.ID)
	require.Equal(t, "Flight", ev.Project.Name)
	require.Equal(t, "Ipsa minima est consequuntur quisquam.", ev.Project.Description)
	require.Equal(t, "flightjs/Flight", ev.Project.PathWithNamespace)
	require.Equal(t, "flightjs", ev.Project.Namespace)
	require.Equal(t, "http://example.com/flightjs/Flight", ev.Project.WebURL)
	require.Equal(t, "http://example.com/flightjs/Flight.git", ev.Project.GitHTTPURL)
	require.Equal(t, "http://example.com/flightjs/Flight.git", ev.Project.HTTPURL)
	require.Equal(t, "http://example.com/flightjs/Flight.git", ev.Project.URL, "without SSH the legacy url is the HTTP one")
	require.Empty(t, ev.Project.GitSSHURL)
	require.Equal(t, "master", ev.Project.DefaultBranch)
	require.Equal(t, "http://example.com/flightjs/Flight", ev.Project.Homepage)

	oa := ev.ObjectAttributes
	require.Equal(t, int64(144), oa.ID)
	require.Equal(t, int64(4), oa.IID)
	require.Equal(t, "Update README.md", oa.Title)
	require.Empty(t, oa.Description)
	require.Equal(t, "opened", oa.State)
	require.Equal(t, gitlab.StateIDOpen, oa.StateID)
	require.Equal(t, "open", oa.Action)
	require.Empty(t, oa.OldRev)
	require.Equal(t, "root-master-patch-30152", oa.SourceBranch)
	require.Equal(t, "master", oa.TargetBranch)
	require.Equal(t, int64(6), oa.SourceProjectID)
	require.Equal(t, int64(6), oa.TargetProjectID)
	require.Equal(t, int64(1), oa.AuthorID)
	require.Equal(t, "2022-12-07 07:53:43 UTC", oa.CreatedAt)
	require.Equal(t, "2022-12-07 07:53:43 UTC", oa.UpdatedAt, "written in UTC whatever the input zone")
	require.Equal(t, "http://example.com/flightjs/Flight/-/merge_requests/4", oa.URL)
	require.Equal(t, "can_be_merged", oa.MergeStatus)
	require.Equal(t, "mergeable", oa.DetailedMergeStatus)
	require.False(t, oa.Draft)
	require.False(t, oa.WorkInProgress)
	require.Nil(t, oa.HeadPipelineID)
	require.Equal(t, "Flight", oa.Source.Name)
	require.Equal(t, "flightjs/Flight", oa.Target.PathWithNamespace)

	lc := oa.LastCommit
	require.Equal(t, "141be9714669a4c1ccaa013c6a7f3e462ff2a40f", lc.ID)
	require.Equal(t, "Update README.md", lc.Title)
	require.Equal(t, "Update README.md\n\nLonger explanation.\n", lc.Message)
	require.NotNil(t, lc.Timestamp)
	require.True(t, lc.Timestamp.Equal(time.Date(2022, 12, 7, 7, 52, 11, 0, time.UTC)))
	require.Equal(t, "http://example.com/flightjs/Flight/-/commit/141be9714669a4c1ccaa013c6a7f3e462ff2a40f", lc.URL)
	require.Equal(t, "Administrator", lc.Author.Name)
	require.Equal(t, "admin@example.com", lc.Author.Email)

	require.NotNil(t, ev.Repository)
	require.Equal(t, "Flight", ev.Repository.Name)
	require.Equal(t, "http://example.com/flightjs/Flight.git", ev.Repository.URL)
	require.Empty(t, ev.Labels)
}

// TestPayloadShape checks what a typed parser cannot see: which keys exist,
// nulls, and GitLab's formats.
func TestPayloadShape(t *testing.T) {
	t.Parallel()
	ev := sampleEvent()
	ev.Commit.Timestamp = time.Date(2022, 12, 7, 9, 52, 11, 0, time.FixedZone("", 2*3600))
	body, err := delivery.Payload(ev)
	require.NoError(t, err)

	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &raw))
	require.JSONEq(t, `{"id":1,"name":"QA","external_url":"https://example.com/hook?team=qa"}`, string(raw["external_approval_rule"]))
	require.JSONEq(t, `[]`, string(raw["labels"]))
	require.JSONEq(t, `{}`, string(raw["changes"]))
	require.JSONEq(t, `{"name":"Flight","url":"http://example.com/flightjs/Flight.git","description":"Ipsa minima est consequuntur quisquam.","homepage":"http://example.com/flightjs/Flight"}`, string(raw["repository"]))
	require.JSONEq(t, `{"id":1,"name":"Administrator","username":"root","avatar_url":null,"email":"[REDACTED]"}`, string(raw["user"]))

	var project map[string]any
	require.NoError(t, json.Unmarshal(raw["project"], &project))
	require.EqualValues(t, 20, project["visibility_level"])
	require.Nil(t, project["git_ssh_url"])
	require.Nil(t, project["ci_config_path"])

	var attrs map[string]any
	require.NoError(t, json.Unmarshal(raw["object_attributes"], &attrs))
	require.Equal(t, "2022-12-07T09:52:11+02:00", attrs["last_commit"].(map[string]any)["timestamp"], "the commit keeps its own offset")
	require.Equal(t, "open", attrs["action"])
	require.NotContains(t, attrs, "oldrev", "oldrev is only sent on pushes")
	for _, key := range []string{"assignee_id", "head_pipeline_id", "merge_commit_sha", "merge_error", "milestone_id", "last_edited_at"} {
		require.Contains(t, attrs, key)
		require.Nil(t, attrs[key], key)
	}
	for _, key := range []string{"assignee_ids", "reviewer_ids", "labels"} {
		require.Equal(t, []any{}, attrs[key], key)
	}
	require.Equal(t, false, attrs["draft"])
	require.Equal(t, false, attrs["work_in_progress"])
	require.Equal(t, true, attrs["blocking_discussions_resolved"])
}

func TestPayloadPushDraftAndRetry(t *testing.T) {
	t.Parallel()
	push := sampleEvent()
	push.Action = "update"
	push.OldRev = "0000000000000000000000000000000000000001"
	push.MergeRequest.Draft = true
	push.MergeRequest.Title = "Draft: Update README.md"
	push.Project.SSHURL = "ssh://git@example.com/flightjs/Flight.git"
	body, err := delivery.Payload(push)
	require.NoError(t, err)
	ev := parseMergeEvent(t, body)
	require.Equal(t, "update", ev.ObjectAttributes.Action)
	require.Equal(t, push.OldRev, ev.ObjectAttributes.OldRev)
	require.True(t, ev.ObjectAttributes.Draft)
	require.True(t, ev.ObjectAttributes.WorkInProgress)
	require.Equal(t, "ssh://git@example.com/flightjs/Flight.git", ev.Project.GitSSHURL)
	require.Equal(t, "ssh://git@example.com/flightjs/Flight.git", ev.Project.URL)

	// A retry is built fresh from the merge request, without an action.
	retry := sampleEvent()
	retry.Action = ""
	body, err = delivery.Payload(retry)
	require.NoError(t, err)
	var raw struct {
		ObjectAttributes map[string]any `json:"object_attributes"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	require.NotContains(t, raw.ObjectAttributes, "action")

	merged := sampleEvent()
	merged.Action = "merge"
	merged.MergeRequest.State = "merged"
	merged.MergeRequest.MergeCommitSHA = "2222222222222222222222222222222222222222"
	body, err = delivery.Payload(merged)
	require.NoError(t, err)
	ev = parseMergeEvent(t, body)
	require.Equal(t, gitlab.StateIDMerged, ev.ObjectAttributes.StateID)
	require.Equal(t, "2222222222222222222222222222222222222222", ev.ObjectAttributes.MergeCommitSHA)
}

func TestPayloadDefaultsAndNulls(t *testing.T) {
	t.Parallel()
	ev := sampleEvent()
	ev.MergeRequest.MergeStatus = ""
	ev.MergeRequest.DetailedMergeStatus = ""
	ev.MergeRequest.CreatedAt = time.Time{}
	ev.Commit.Timestamp = time.Time{}
	body, err := delivery.Payload(ev)
	require.NoError(t, err)
	parsed := parseMergeEvent(t, body)
	require.Equal(t, "unchecked", parsed.ObjectAttributes.MergeStatus)
	require.Equal(t, "unchecked", parsed.ObjectAttributes.DetailedMergeStatus)
	require.Empty(t, parsed.ObjectAttributes.CreatedAt)
	require.Nil(t, parsed.ObjectAttributes.LastCommit.Timestamp)
}

func TestPayloadRefusesIncompleteEvents(t *testing.T) {
	t.Parallel()
	_, err := delivery.Payload(nil)
	require.Error(t, err)
	for name, breakIt := range map[string]func(*delivery.Event){
		"project id": func(e *delivery.Event) { e.Project.ID = 0 },
		"iid":        func(e *delivery.Event) { e.MergeRequest.IID = 0 },
		"sha":        func(e *delivery.Event) { e.Commit.SHA = "" },
		"check id":   func(e *delivery.Event) { e.Check.ID = 0 },
	} {
		ev := sampleEvent()
		breakIt(ev)
		_, err := delivery.Payload(ev)
		require.ErrorContains(t, err, name, name)
	}
}

func TestPayloadTooLarge(t *testing.T) {
	t.Parallel()
	ev := sampleEvent()
	ev.MergeRequest.Description = strings.Repeat("x", delivery.MaxPayloadBytes)
	_, err := delivery.Payload(ev)
	require.ErrorIs(t, err, delivery.ErrPayloadTooLarge)
}

func FuzzPayload(f *testing.F) {
	f.Add("Update README.md", "desc", "feature/x", "main", "Update README.md\n\nbody", "Administrator", "open", "")
	f.Add("Draft: <script>&\u2028", "", "a", "b", "", "", "update", "deadbeef")
	f.Add("\xff\xfe", "\x00", "ü/ö", "main", "\r\n", "名前", "", "")
	f.Fuzz(func(t *testing.T, title, description, source, target, message, userName, action, oldrev string) {
		ev := sampleEvent()
		ev.MergeRequest.Title = title
		ev.MergeRequest.Description = description
		ev.MergeRequest.SourceBranch = source
		ev.MergeRequest.TargetBranch = target
		ev.Commit.Message = message
		ev.User.Name = userName
		ev.Action = action
		ev.OldRev = oldrev

		body, err := delivery.Payload(ev)
		require.NoError(t, err)
		require.True(t, json.Valid(body))
		parsed := parseMergeEvent(t, body)

		// encoding/json replaces invalid UTF-8, so only valid strings
		// round-trip exactly.
		for _, pair := range [][2]string{
			{title, parsed.ObjectAttributes.Title},
			{description, parsed.ObjectAttributes.Description},
			{source, parsed.ObjectAttributes.SourceBranch},
			{target, parsed.ObjectAttributes.TargetBranch},
			{message, parsed.ObjectAttributes.LastCommit.Message},
			{userName, parsed.User.Name},
			{action, parsed.ObjectAttributes.Action},
			{oldrev, parsed.ObjectAttributes.OldRev},
		} {
			if utf8.ValidString(pair[0]) {
				require.Equal(t, pair[0], pair[1])
			}
		}
		require.Equal(t, "[REDACTED]", parsed.User.Email)
		require.Equal(t, ev.Commit.SHA, parsed.ObjectAttributes.LastCommit.ID)
		require.Equal(t, ev.MergeRequest.IID, parsed.ObjectAttributes.IID)
	})
}

// A merge train car's payload is GitLab's merge request payload (a GitLab
// client still parses it, and its last_commit is the head) plus a
// merge_train object naming the car's commit, which the receiver SDK makes
// the sha to answer for.
func TestPayloadMergeTrainCar(t *testing.T) {
	t.Parallel()
	car := sampleEvent()
	car.Action = "merge_train"
	car.MergeTrain = &delivery.MergeTrain{CarID: 12, TrainRef: "refs/merge-requests/4/train",
		CarSHA: "9999999999999999999999999999999999999999", TargetBranch: "master", Position: 2}
	body, err := delivery.Payload(car)
	require.NoError(t, err)
	ev := parseMergeEvent(t, body)
	require.Equal(t, "merge_train", ev.ObjectAttributes.Action)
	require.Equal(t, car.Commit.SHA, ev.ObjectAttributes.LastCommit.ID)
	var raw struct {
		MergeTrain map[string]any `json:"merge_train"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	require.Equal(t, map[string]any{"car_id": float64(12), "train_ref": "refs/merge-requests/4/train",
		"car_sha": "9999999999999999999999999999999999999999", "target_branch": "master", "position": float64(2)}, raw.MergeTrain)
	got, err := receiver.Decode(body)
	require.NoError(t, err)
	require.Equal(t, car.MergeTrain.CarSHA, got.SHA)
	require.Equal(t, car.Commit.SHA, got.HeadSHA)
	require.False(t, got.IsObsolete())

	car.Action = "obsolete"
	body, err = delivery.Payload(car)
	require.NoError(t, err)
	got, err = receiver.Decode(body)
	require.NoError(t, err)
	require.True(t, got.IsObsolete())

	// Without a car the key is absent, as in GitLab's payload.
	body, err = delivery.Payload(sampleEvent())
	require.NoError(t, err)
	require.NotContains(t, string(body), "merge_train")
}
