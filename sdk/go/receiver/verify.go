// Package receiver is for people who write external status check services
// for Signalbox (or GitLab). It verifies that a request really comes from the
// server, decodes the merge request payload into an [Event], serves it as an
// [http.Handler] ([NewHandler]) and posts the verdict back for the event's
// exact head sha ([Responder]).
//
// What a check decides, how it queues work and how it retries its own
// answers are left to the check.
package receiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names the server signs requests with. HTTP header names are
// case-insensitive; these are Go's canonical forms.
const (
	// HeaderGitLabSignature is GitLab's signature: lower-case hex
	// HMAC-SHA256 of the body.
	HeaderGitLabSignature = "X-Gitlab-Signature"
	// HeaderWebhookID is the Standard Webhooks message id, the same for
	// every retry of one event.
	HeaderWebhookID = "Webhook-Id"
	// HeaderWebhookTimestamp is the Standard Webhooks send time, in unix
	// seconds.
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	// HeaderWebhookSignature is the Standard Webhooks signature list,
	// "v1,<base64>" entries separated by spaces.
	HeaderWebhookSignature = "Webhook-Signature"
)

// Defaults of a [Verifier].
const (
	// DefaultTolerance is how far webhook-timestamp may be from the
	// receiver's clock, either way, as Standard Webhooks recommends.
	DefaultTolerance = 5 * time.Minute
	// DefaultMaxBodyBytes is the largest body read: the largest payload
	// GitLab sends to a check.
	DefaultMaxBodyBytes = 25 << 20
)

// Errors of [Verifier.Verify]. None of them, nor anything wrapping them,
// contains the secret or a signature.
var (
	// ErrNoSignature: the verifier has a secret but the request carries no
	// signature it accepts.
	ErrNoSignature = errors.New("request is not signed")
	// ErrBadSignature: a signature is present and does not match, or its
	// headers are malformed.
	ErrBadSignature = errors.New("signature does not match")
	// ErrTimestampOutOfTolerance: the Standard Webhooks timestamp is too old
	// or too far in the future, as a replayed request would be.
	ErrTimestampOutOfTolerance = errors.New("webhook-timestamp is outside the tolerance")
	// ErrBodyTooLarge: the body is over the limit.
	ErrBodyTooLarge = errors.New("request body is too large")
)

// Verifier checks the signatures of incoming requests against the check's
// shared secret. A Verifier is safe for concurrent use.
//
// Signalbox signs each request twice with the shared secret's raw bytes:
// GitLab's X-Gitlab-Signature (hex HMAC-SHA256 of the body) and Standard
// Webhooks' webhook-signature (HMAC-SHA256 of id.timestamp.body, which also
// guards against replays). GitLab itself sends only the first. A request
// passes when every signature it carries matches and at least one is
// present; a Standard Webhooks signature also needs a timestamp within the
// tolerance.
type Verifier struct {
	secret           []byte
	tolerance        time.Duration
	maxBodyBytes     int64
	now              func() time.Time
	requireTimestamp bool
}

// Option configures a [Verifier]. Only this package can implement it.
type Option interface {
	applyToVerifier(*Verifier)
}

type optionFunc func(*Verifier)

func (f optionFunc) applyToVerifier(v *Verifier) { f(v) }

// WithTolerance sets how far webhook-timestamp may be from now, either way.
// The default is [DefaultTolerance]; zero or less keeps it.
func WithTolerance(d time.Duration) Option {
	return optionFunc(func(v *Verifier) {
		if d > 0 {
			v.tolerance = d
		}
	})
}

// WithMaxBodyBytes sets the largest body [Verifier.Verify] reads. The
// default is [DefaultMaxBodyBytes]; zero or less keeps it.
func WithMaxBodyBytes(n int64) Option {
	return optionFunc(func(v *Verifier) {
		if n > 0 {
			v.maxBodyBytes = n
		}
	})
}

// WithClock sets the clock that timestamps are compared with. The default is
// [time.Now]; nil keeps it.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(v *Verifier) {
		if now != nil {
			v.now = now
		}
	})
}

// WithRequireTimestamp refuses requests without a Standard Webhooks
// signature, and so without replay protection. Signalbox always sends one;
// GitLab never does, so leave it off (the default) for checks GitLab calls.
func WithRequireTimestamp(require bool) Option {
	return optionFunc(func(v *Verifier) { v.requireTimestamp = require })
}

// NewVerifier returns a Verifier for the check's shared secret, the string
// configured on the check, as bytes. An empty secret means the check has
// none: requests are then accepted unverified, since the server sends no
// signature either.
func NewVerifier(secret []byte, opts ...Option) *Verifier {
	v := &Verifier{
		secret:       append([]byte(nil), secret...),
		tolerance:    DefaultTolerance,
		maxBodyBytes: DefaultMaxBodyBytes,
		now:          time.Now,
	}
	for _, o := range opts {
		o.applyToVerifier(v)
	}
	return v
}

// Verify reads r's body, up to the limit, and checks its signatures. It
// returns the body, which is what must be decoded: only those exact bytes
// were verified.
func (v *Verifier) Verify(r *http.Request) ([]byte, error) {
	var body []byte
	var err error
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, v.maxBodyBytes+1))
	}
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if int64(len(body)) > v.maxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	if err := v.VerifyHeader(r.Header, body); err != nil {
		return nil, err
	}
	return body, nil
}

// VerifyHeader checks the signatures in header against body, for callers
// that read the body themselves.
func (v *Verifier) VerifyHeader(header http.Header, body []byte) error {
	if len(v.secret) == 0 {
		return nil
	}
	gitlab := header.Get(HeaderGitLabSignature)
	standard := header.Get(HeaderWebhookSignature)
	if gitlab == "" && standard == "" {
		return ErrNoSignature
	}
	if standard == "" && v.requireTimestamp {
		return fmt.Errorf("%w: a webhook-signature is required", ErrNoSignature)
	}
	if standard != "" {
		if err := v.verifyStandard(header, standard, body); err != nil {
			return err
		}
	}
	if gitlab != "" {
		got, err := hex.DecodeString(strings.TrimSpace(gitlab))
		if err != nil || !hmac.Equal(got, v.mac([]byte(nil), body)) {
			return fmt.Errorf("%w: %s", ErrBadSignature, HeaderGitLabSignature)
		}
	}
	return nil
}

func (v *Verifier) verifyStandard(header http.Header, signatures string, body []byte) error {
	id := header.Get(HeaderWebhookID)
	timestamp := header.Get(HeaderWebhookTimestamp)
	if id == "" || timestamp == "" {
		return fmt.Errorf("%w: webhook-signature without webhook-id or webhook-timestamp", ErrBadSignature)
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: webhook-timestamp is not a number of seconds", ErrBadSignature)
	}
	now := v.now()
	sent := time.Unix(secs, 0)
	if sent.Before(now.Add(-v.tolerance)) || sent.After(now.Add(v.tolerance)) {
		return ErrTimestampOutOfTolerance
	}
	want := v.mac([]byte(id+"."+timestamp+"."), body)
	// The header is a list so that a sender can sign with several keys
	// while rotating; one matching v1 entry is enough.
	for _, entry := range strings.Fields(signatures) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrBadSignature, "webhook-signature")
}

// mac is HMAC-SHA256 keyed with the secret over prefix followed by body.
func (v *Verifier) mac(prefix, body []byte) []byte {
	m := hmac.New(sha256.New, v.secret)
	m.Write(prefix)
	m.Write(body)
	return m.Sum(nil)
}
