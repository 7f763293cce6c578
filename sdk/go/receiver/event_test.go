package receiver_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/sdk/go/receiver"
)

func TestDecodeGitLabExample(t *testing.T) {
	t.Parallel()
	body := payload(t)
	ev, err := receiver.Decode(body)
	require.NoError(t, err)
	require.Equal(t, &receiver.Event{
		ProjectID:       6,
		MergeRequestIID: 4,
		SHA:             "141be9714669a4c1ccaa013c6a7f3e462ff2a40f",
		HeadSHA:         "141be9714669a4c1ccaa013c6a7f3e462ff2a40f",
		Action:          "open",
		Title:           "Update README.md",
		SourceBranch:    "root-master-patch-30152",
		TargetBranch:    "master",
		Check:           receiver.Check{ID: 1, Name: "QA", URL: "https://example.com/"},
		Raw:             body,
	}, ev)

	body[0] = ' ' // Raw is a copy
	require.Equal(t, byte('{'), ev.Raw[0])
}

func TestDecodePush(t *testing.T) {
	t.Parallel()
	ev, err := receiver.Decode([]byte(`{"object_kind":"merge_request","project":{"id":3},
		"object_attributes":{"iid":9,"action":"update","oldrev":"aaa","last_commit":{"id":"bbb"}},
		"external_approval_rule":{"id":12,"name":"sec","external_url":"https://c.example/x?y=1"}}`))
	require.NoError(t, err)
	require.Equal(t, "update", ev.Action)
	require.Equal(t, "aaa", ev.OldRev)
	require.Equal(t, "bbb", ev.SHA)
	require.Equal(t, int64(12), ev.Check.ID)
	require.Equal(t, "https://c.example/x?y=1", ev.Check.URL)
}

func TestDecodeMergeTrainCar(t *testing.T) {
	t.Parallel()
	car := `"merge_train":{"car_id":5,"train_ref":"refs/merge-requests/9/train","car_sha":"ccc","target_branch":"main","position":2}`
	ev, err := receiver.Decode([]byte(`{"object_kind":"merge_request","project":{"id":3},
		"object_attributes":{"iid":9,"action":"merge_train","last_commit":{"id":"bbb"}},
		"external_approval_rule":{"id":12,"name":"sec","external_url":"https://c.example/"},` + car + `}`))
	require.NoError(t, err)
	require.Equal(t, "ccc", ev.SHA, "the verdict names the car's commit")
	require.Equal(t, "bbb", ev.HeadSHA)
	require.Equal(t, &receiver.MergeTrain{CarID: 5, TrainRef: "refs/merge-requests/9/train", CarSHA: "ccc", TargetBranch: "main", Position: 2}, ev.MergeTrain)
	require.False(t, ev.IsObsolete())

	ev, err = receiver.Decode([]byte(`{"object_kind":"merge_request","project":{"id":3},
		"object_attributes":{"iid":9,"action":"obsolete","last_commit":{"id":"bbb"}},
		"external_approval_rule":{"id":12},` + car + `}`))
	require.NoError(t, err)
	require.True(t, ev.IsObsolete())

	// "obsolete" means nothing without a car.
	ev, err = receiver.Decode([]byte(`{"object_kind":"merge_request","project":{"id":3},
		"object_attributes":{"iid":9,"action":"obsolete","last_commit":{"id":"bbb"}},"external_approval_rule":{"id":12}}`))
	require.NoError(t, err)
	require.False(t, ev.IsObsolete())
	require.Nil(t, ev.MergeTrain)
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"not JSON":                 `object_kind=merge_request`,
		"another event":            `{"object_kind":"push","project":{"id":1}}`,
		"no project":               `{"object_kind":"merge_request","object_attributes":{"iid":1,"last_commit":{"id":"a"}},"external_approval_rule":{"id":1}}`,
		"no iid":                   `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"last_commit":{"id":"a"}},"external_approval_rule":{"id":1}}`,
		"no head sha":              `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"iid":1},"external_approval_rule":{"id":1}}`,
		"no check":                 `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"iid":1,"last_commit":{"id":"a"}}}`,
		"id as a string":           `{"object_kind":"merge_request","project":{"id":"1"},"object_attributes":{"iid":1,"last_commit":{"id":"a"}},"external_approval_rule":{"id":1}}`,
		"a plain webhook":          `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"iid":1,"last_commit":{"id":"a"}},"external_approval_rule":null}`,
		"a car without its commit": `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"iid":1,"last_commit":{"id":"a"}},"external_approval_rule":{"id":1},"merge_train":{"car_id":1}}`,
	} {
		_, err := receiver.Decode([]byte(body))
		require.ErrorIs(t, err, receiver.ErrInvalidPayload, name)
	}
}
