package receiver_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/signalbox/signalbox/sdk/go/receiver"
)

// A check service: verify, decide, answer for the head sha.
func ExampleNewHandler() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	verifier := receiver.NewVerifier([]byte(os.Getenv("CHECK_SECRET")))
	responder := receiver.NewHTTPResponder(nil, "https://signalbox.example", os.Getenv("SIGNALBOX_TOKEN"))

	hook := receiver.NewHandler(verifier, func(ctx context.Context, ev *receiver.Event) error {
		if strings.Contains(ev.Title, "[fail]") {
			return responder.Fail(ctx, ev)
		}
		return responder.Pass(ctx, ev)
	}, logger)

	mux := http.NewServeMux()
	mux.Handle("POST /hook", hook)
	_ = http.ListenAndServe("127.0.0.1:8090", mux)
}

// Verifying a request by hand, here one signed the way GitLab signs it.
func ExampleVerifier_Verify() {
	secret := []byte("s3cret")
	body := `{"object_kind":"merge_request"}`
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(body))

	r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
	r.Header.Set("X-Gitlab-Signature", hex.EncodeToString(mac.Sum(nil)))

	verifier := receiver.NewVerifier(secret)
	got, err := verifier.Verify(r)
	fmt.Println(string(got), err)

	r = httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
	r.Header.Set("X-Gitlab-Signature", "00")
	_, err = verifier.Verify(r)
	fmt.Println(err)
	// Output:
	// {"object_kind":"merge_request"} <nil>
	// signature does not match: X-Gitlab-Signature
}

func ExampleDecode() {
	ev, err := receiver.Decode([]byte(`{
		"object_kind": "merge_request",
		"project": {"id": 6},
		"object_attributes": {
			"iid": 4,
			"title": "Update README.md",
			"action": "update",
			"oldrev": "0b1f9a1",
			"last_commit": {"id": "141be97"}
		},
		"external_approval_rule": {"id": 1, "name": "QA", "external_url": "https://qa.example/hook"}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.ProjectID, ev.MergeRequestIID, ev.SHA, ev.Action, ev.OldRev, ev.Check.ID, ev.Check.Name)
	// Output:
	// 6 4 141be97 update 0b1f9a1 1 QA
}

// Answering later, for example from a queue worker, with the event kept from
// the request.
func ExampleResponder_Pending() {
	responder := receiver.NewHTTPResponder(nil, "https://signalbox.example", os.Getenv("SIGNALBOX_TOKEN"))
	ev := &receiver.Event{ProjectID: 6, MergeRequestIID: 4, SHA: "141be97", Check: receiver.Check{ID: 1}}
	ctx := context.Background()

	// Say the check is working on it; the server fails a pending answer
	// that is not followed by a verdict before its timeout.
	if err := responder.Pending(ctx, ev); err != nil {
		fmt.Println(err)
		return
	}
	// ... the long-running work ...
	if err := responder.Pass(ctx, ev); err != nil {
		fmt.Println(err)
	}
}
