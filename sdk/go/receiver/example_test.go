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

	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/sdk/go/internal/examplesrv"
	"github.com/signalbox/signalbox/sdk/go/receiver"
)

// A check service: verify, decide, answer for the head sha. Here it runs
// next to an in-process Signalbox, which asks it about a new merge request.
func ExampleNewHandler() {
	signalboxServer := examplesrv.Start(true) // --allow-local-network: the check service is on this machine
	defer signalboxServer.Close()
	signalboxURL, token := signalboxServer.URL, examplesrv.RootToken // in real life, from the environment

	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	verifier := receiver.NewVerifier([]byte("s3cret"))
	responder := receiver.NewHTTPResponder(nil, signalboxURL, token)
	answered := make(chan string, 10)

	hook := receiver.NewHandler(verifier, func(ctx context.Context, ev *receiver.Event) error {
		var err error
		if strings.Contains(ev.Title, "[fail]") {
			err = responder.Fail(ctx, ev)
		} else {
			err = responder.Pass(ctx, ev)
		}
		answered <- ev.Title
		return err
	}, logger)

	mux := http.NewServeMux()
	mux.Handle("POST /hook", hook)
	checkService := httptest.NewServer(mux) // or http.ListenAndServe(":8090", mux)
	defer checkService.Close()

	client, _ := signalbox.New(signalboxURL, signalbox.WithToken(token))
	ctx := context.Background()
	mr := signalboxServer.MergeRequest(ctx, client, checkService.URL+"/hook", "s3cret")
	fmt.Println("asked about:", <-answered)
	fmt.Println("qa:", examplesrv.CheckStatus(ctx, client, mr))
	// Output:
	// asked about: Greet the world
	// qa: STATUS_CHECK_STATUS_PASSED
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
	signalboxServer := examplesrv.Start(false)
	defer signalboxServer.Close()
	client, _ := signalbox.New(signalboxServer.URL, signalbox.WithToken(examplesrv.RootToken))
	ctx := context.Background()
	mr := signalboxServer.MergeRequest(ctx, client, "https://qa.example.invalid/hook", "")

	responder := receiver.NewHTTPResponder(nil, signalboxServer.URL, examplesrv.RootToken)
	ev := &receiver.Event{ProjectID: mr.ProjectID, MergeRequestIID: mr.IID, SHA: mr.Head, Check: receiver.Check{ID: mr.CheckID}}

	// Say the check is working on it; the server fails a pending answer
	// that is not followed by a verdict before its timeout.
	if err := responder.Pending(ctx, ev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("qa:", examplesrv.CheckStatus(ctx, client, mr))
	// ... the long-running work ...
	if err := responder.Pass(ctx, ev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("qa:", examplesrv.CheckStatus(ctx, client, mr))
	// Output:
	// qa: STATUS_CHECK_STATUS_PENDING
	// qa: STATUS_CHECK_STATUS_PASSED
}
