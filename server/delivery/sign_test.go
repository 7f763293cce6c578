package delivery_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/delivery"
)

// mac computes an HMAC-SHA256 here, independently of the signer under test.
func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func TestSignWithSecret(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cr3t-shared")
	body := []byte(`{"object_kind":"merge_request","title":"caf\u00e9 <b>"}`)
	at := time.Unix(1_700_000_123, 999_000_000)

	h := delivery.Sign(secret, "msg_42", at, body)

	// GitLab's header: lower-case hex over the exact body, no prefix.
	require.Equal(t, hex.EncodeToString(mac(secret, string(body))), h.Get("X-GitLab-Signature"))
	require.Regexp(t, `^[0-9a-f]{64}$`, h.Get("X-GitLab-Signature"))

	// Standard Webhooks v1 over id.timestamp.body, unix seconds.
	require.Equal(t, "msg_42", h.Get("webhook-id"))
	require.Equal(t, "1700000123", h.Get("webhook-timestamp"))
	want := "v1," + base64.StdEncoding.EncodeToString(mac(secret, "msg_42", ".", "1700000123", ".", string(body)))
	require.Equal(t, want, h.Get("webhook-signature"))

	for name, values := range h {
		for _, v := range values {
			require.NotContains(t, v, string(secret), "header %s", name)
		}
	}
}

func TestSignChangesWithEveryInput(t *testing.T) {
	t.Parallel()
	secret := []byte("k")
	body := []byte(`{}`)
	at := time.Unix(100, 0)
	base := delivery.Sign(secret, "id", at, body)
	for name, h := range map[string]http.Header{
		"secret": delivery.Sign([]byte("K"), "id", at, body),
		"body":   delivery.Sign(secret, "id", at, []byte(`{} `)),
		"id":     delivery.Sign(secret, "id2", at, body),
		"time":   delivery.Sign(secret, "id", at.Add(time.Second), body),
	} {
		require.NotEqual(t, base.Get("webhook-signature"), h.Get("webhook-signature"), name)
	}
	// GitLab's signature covers the body only, so it is stable across
	// retries of one event.
	require.Equal(t, base.Get("X-Gitlab-Signature"), delivery.Sign(secret, "id2", at.Add(time.Hour), body).Get("X-Gitlab-Signature"))
}

func TestSignWithoutSecret(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 0)
	for _, secret := range [][]byte{nil, {}} {
		h := delivery.Sign(secret, "msg_1", at, []byte(`{}`))
		require.Equal(t, "msg_1", h.Get("webhook-id"))
		require.Equal(t, strconv.FormatInt(at.Unix(), 10), h.Get("webhook-timestamp"))
		require.Empty(t, h.Values("X-Gitlab-Signature"))
		require.Empty(t, h.Values("webhook-signature"))
		require.Len(t, h, 2)
	}
}
