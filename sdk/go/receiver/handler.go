package receiver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
)

// HandlerFunc is a check's reaction to one verified event. It runs before the
// request is answered, so it should be quick: decide, or queue the work, and
// post the verdict with a [Responder], now or later. Returning an error
// answers 500, which makes Signalbox try the delivery again later.
type HandlerFunc func(ctx context.Context, ev *Event) error

// NewHandler returns an http.Handler that verifies each POST with v, decodes
// it and calls fn. It answers:
//
//   - 202 Accepted once fn returns nil: the verdict travels separately,
//     through the API, so the answer carries none;
//   - 401 for a missing or wrong signature or a stale timestamp;
//   - 400 for a body that is not a status check payload;
//   - 413 for a body over the verifier's limit;
//   - 405 for any method but POST;
//   - 500 when fn fails.
//
// Rejections are logged to logger (nil discards them) without secrets or
// signatures.
func NewHandler(v *Verifier, fn HandlerFunc, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &handler{verifier: v, fn: fn, logger: logger}
}

type handler struct {
	verifier *Verifier
	fn       HandlerFunc
	logger   *slog.Logger
}

// ServeHTTP verifies, decodes and dispatches one request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	deliveryID := r.Header.Get(HeaderWebhookID)
	body, err := h.verifier.Verify(r)
	if err != nil {
		code := http.StatusBadRequest
		switch {
		case errors.Is(err, ErrBodyTooLarge):
			code = http.StatusRequestEntityTooLarge
		case errors.Is(err, ErrNoSignature), errors.Is(err, ErrBadSignature), errors.Is(err, ErrTimestampOutOfTolerance):
			code = http.StatusUnauthorized
		}
		h.logger.WarnContext(r.Context(), "status check request rejected",
			"reason", err.Error(), "status", code, "delivery_id", deliveryID, "remote_addr", r.RemoteAddr)
		http.Error(w, http.StatusText(code), code)
		return
	}
	ev, err := Decode(body)
	if err != nil {
		h.logger.WarnContext(r.Context(), "status check payload rejected",
			"reason", err.Error(), "delivery_id", deliveryID, "remote_addr", r.RemoteAddr)
		http.Error(w, "not a status check merge request payload", http.StatusBadRequest)
		return
	}
	ev.ID = deliveryID
	if err := h.fn(r.Context(), ev); err != nil {
		h.logger.ErrorContext(r.Context(), "status check handler failed",
			"error", err.Error(), "delivery_id", deliveryID, "project_id", ev.ProjectID,
			"mr_iid", ev.MergeRequestIID, "sha", ev.SHA, "check_id", ev.Check.ID)
		http.Error(w, "the check could not take the event; try again later", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
