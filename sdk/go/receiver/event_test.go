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

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"not JSON":        `object_kind=merge_request`,
		"another event":   `{"object_kind":"push","project":{"id":1}}`,
		"no project":      `{"object_kind":"merge_request","object_attributes":{"iid":1,"last_commit":{"id":"a"}},"external_approval_rule":{"id":1}}`,
		"no iid":          `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"last_commit":{"id":"a"}},"external_approval_rule":{"id":1}}`,
		"no head sha":     `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"iid":1},"external_approval_rule":{"id":1}}`,
		"no check":        `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"iid":1,"last_commit":{"id":"a"}}}`,
		"id as a string":  `{"object_kind":"merge_request","project":{"id":"1"},"object_attributes":{"iid":1,"last_commit":{"id":"a"}},"external_approval_rule":{"id":1}}`,
		"a plain webhook": `{"object_kind":"merge_request","project":{"id":1},"object_attributes":{"iid":1,"last_commit":{"id":"a"}},"external_approval_rule":null}`,
	} {
		_, err := receiver.Decode([]byte(body))
		require.ErrorIs(t, err, receiver.ErrInvalidPayload, name)
	}
}
