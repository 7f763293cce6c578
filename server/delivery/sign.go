package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// Header names of a delivery's signature. [net/http] writes them in this
// canonical form; HTTP header names are case-insensitive, so receivers that
// look for "X-GitLab-Signature" or "webhook-id" find them too.
const (
	// HeaderGitLabSignature carries GitLab's signature of an external status
	// check request: lower-case hex HMAC-SHA256 of the body.
	HeaderGitLabSignature = "X-Gitlab-Signature"
	// HeaderWebhookID carries the Standard Webhooks message id. It is the
	// same for every attempt at one event, so receivers can drop duplicates.
	HeaderWebhookID = "Webhook-Id"
	// HeaderWebhookTimestamp carries the Standard Webhooks send time, in unix
	// seconds, which receivers check to refuse replays.
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	// HeaderWebhookSignature carries the Standard Webhooks signature,
	// "v1,<base64>".
	HeaderWebhookSignature = "Webhook-Signature"
)

// Sign returns the headers that identify and sign one delivery attempt of
// body.
//
// id names the event and must stay the same across retries of it (a header
// value, such as "msg_" followed by letters and digits); at is the time of
// this attempt. webhook-id and webhook-timestamp are always set. When
// secret is not empty, two signatures are added:
//
//   - X-Gitlab-Signature: lower-case hex HMAC-SHA256 of the exact body bytes,
//     keyed with the secret's bytes, as GitLab signs external status check
//     requests (no prefix, no timestamp);
//   - webhook-signature: "v1," followed by the standard base64 HMAC-SHA256 of
//     id + "." + timestamp + "." + body, as Standard Webhooks v1 defines it,
//     so receivers also get replay protection.
//
// Both HMACs are keyed with the shared secret's raw bytes, exactly as the
// user configured it. Standard Webhooks libraries expect a "whsec_"-prefixed
// base64 key instead; to verify with one of them, pass it "whsec_" +
// base64(secret).
//
// An empty secret means the check has none: GitLab then sends no signature,
// and neither does Sign.
func Sign(secret []byte, id string, at time.Time, body []byte) http.Header {
	timestamp := strconv.FormatInt(at.Unix(), 10)
	h := make(http.Header, 4)
	h.Set(HeaderWebhookID, id)
	h.Set(HeaderWebhookTimestamp, timestamp)
	if len(secret) == 0 {
		return h
	}

	gitlab := hmac.New(sha256.New, secret)
	gitlab.Write(body)
	h.Set(HeaderGitLabSignature, hex.EncodeToString(gitlab.Sum(nil)))

	standard := hmac.New(sha256.New, secret)
	standard.Write([]byte(id))
	standard.Write([]byte{'.'})
	standard.Write([]byte(timestamp))
	standard.Write([]byte{'.'})
	standard.Write(body)
	h.Set(HeaderWebhookSignature, "v1,"+base64.StdEncoding.EncodeToString(standard.Sum(nil)))
	return h
}
