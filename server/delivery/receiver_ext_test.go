package delivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/delivery"
)

// TestDeliveryReachesTheSDKReceiver sends a real delivery, built and signed
// by this package, to a check written with the Go SDK, so that the two ends
// cannot drift apart.
func TestDeliveryReachesTheSDKReceiver(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []*receiver.Event
	verifier := receiver.NewVerifier([]byte(testSecret), receiver.WithRequireTimestamp(true))
	check := httptest.NewServer(receiver.NewHandler(verifier, func(_ context.Context, ev *receiver.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	}, nil))
	t.Cleanup(check.Close)

	ev := sampleEvent()
	ev.Action = "update"
	ev.OldRev = "0123456789012345678901234567890123456789"
	ev.Check.URL = check.URL + "/hook"
	body, err := delivery.Payload(ev)
	require.NoError(t, err)
	require.NotContains(t, string(body), testSecret)

	client := delivery.NewClient(delivery.WithAllowLocalNetwork(true))
	res := client.Attempt(t.Context(), ev.Check.URL, delivery.Sign([]byte(testSecret), "msg_e2e", time.Now(), body), body)
	require.Equal(t, delivery.OutcomeSuccess, res.Outcome, res.Error)
	require.Equal(t, http.StatusAccepted, res.StatusCode)

	// A wrong secret is refused, and 401 is terminal for the sender.
	res = client.Attempt(t.Context(), ev.Check.URL, delivery.Sign([]byte("wrong"), "msg_e2e", time.Now(), body), body)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	require.Equal(t, delivery.OutcomeTerminal, res.Outcome)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1)
	require.Equal(t, "msg_e2e", got[0].ID)
	require.Equal(t, ev.Project.ID, got[0].ProjectID)
	require.Equal(t, ev.MergeRequest.IID, got[0].MergeRequestIID)
	require.Equal(t, ev.Commit.SHA, got[0].SHA)
	require.Equal(t, "update", got[0].Action)
	require.Equal(t, ev.OldRev, got[0].OldRev)
	require.Equal(t, ev.MergeRequest.Title, got[0].Title)
	require.Equal(t, ev.MergeRequest.SourceBranch, got[0].SourceBranch)
	require.Equal(t, ev.MergeRequest.TargetBranch, got[0].TargetBranch)
	require.Equal(t, receiver.Check{ID: ev.Check.ID, Name: ev.Check.Name, URL: ev.Check.URL}, got[0].Check)
	require.Equal(t, body, []byte(got[0].Raw))
}
