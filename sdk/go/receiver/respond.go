package receiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
)

// defaultResponderTimeout bounds one call when [NewHTTPResponder] builds the
// HTTP client itself.
const defaultResponderTimeout = 30 * time.Second

// Responder posts a check's verdict to Signalbox for an event's exact head
// sha, authenticated with a personal access token. It is safe for concurrent
// use.
type Responder struct {
	client signalboxv1connect.StatusCheckServiceClient
	token  string
}

// NewResponder returns a Responder that calls client, sending token as
// "Authorization: Bearer <token>". The token needs the api scope and at
// least the Developer role in the project. An empty token sends none.
func NewResponder(client signalboxv1connect.StatusCheckServiceClient, token string) *Responder {
	return &Responder{client: client, token: token}
}

// NewHTTPResponder returns a Responder that speaks the Connect protocol to
// the Signalbox server at baseURL (such as "https://signalbox.example").
// A nil httpClient means a fresh client with a 30-second timeout.
func NewHTTPResponder(httpClient connecthttp.HTTPClient, baseURL, token string) *Responder {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: defaultResponderTimeout}
	}
	client := connect.NewClient(connecthttp.NewTransport(httpClient, baseURL))
	return NewResponder(signalboxv1connect.NewStatusCheckServiceClient(client), token)
}

// Pass answers that the check passed at ev's head sha.
func (r *Responder) Pass(ctx context.Context, ev *Event) error {
	return r.Respond(ctx, ev, signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PASSED)
}

// Fail answers that the check failed at ev's head sha.
func (r *Responder) Fail(ctx context.Context, ev *Event) error {
	return r.Respond(ctx, ev, signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_FAILED)
}

// Pending answers that the check is still working on ev's head sha. A
// pending answer that is not followed by a verdict fails when the server's
// pending timeout runs out.
func (r *Responder) Pending(ctx context.Context, ev *Event) error {
	return r.Respond(ctx, ev, signalboxv1.StatusCheckStatus_STATUS_CHECK_STATUS_PENDING)
}

// Respond posts status for ev's project, merge request, check and head sha.
// The sha is always ev.SHA: a check must never answer for a commit it did
// not look at, and the server refuses (reason SHA_MISMATCH) an answer for a
// sha that is no longer the head. Errors are the API's
// *connect.Error, so [connect.CodeOf] tells them apart.
func (r *Responder) Respond(ctx context.Context, ev *Event, status signalboxv1.StatusCheckStatus) error {
	if ev == nil {
		return errors.New("respond to status check: no event")
	}
	ctx, info := connect.NewClientContext(ctx)
	if r.token != "" {
		info.RequestHeader().Set("Authorization", "Bearer "+r.token)
	}
	sha := ev.SHA
	_, err := r.client.SetStatusCheckResponse(ctx, &signalboxv1.SetStatusCheckResponseRequest{
		Project:               strconv.FormatInt(ev.ProjectID, 10),
		MergeRequestIid:       ev.MergeRequestIID,
		ExternalStatusCheckId: ev.Check.ID,
		Sha:                   &sha,
		Status:                status,
	})
	if err != nil {
		return fmt.Errorf("respond to status check %d for merge request !%d of project %d: %w",
			ev.Check.ID, ev.MergeRequestIID, ev.ProjectID, err)
	}
	return nil
}
