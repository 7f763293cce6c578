package receiver_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/sdk/go/receiver"
)

const secret = "shared-secret-of-the-check"

var now = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

func clock() time.Time { return now }

// payload is GitLab's documented example with an action.
func payload(t testing.TB) []byte {
	t.Helper()
	body, err := os.ReadFile("testdata/merge_request.json")
	require.NoError(t, err)
	return body
}

// hmacSHA256 is computed here, independently of the verifier under test.
func hmacSHA256(key string, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, []byte(key))
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func gitlabSignature(key string, body []byte) string {
	return hex.EncodeToString(hmacSHA256(key, body))
}

func standardSignature(key, id string, at time.Time, body []byte) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return "v1," + base64.StdEncoding.EncodeToString(hmacSHA256(key, []byte(id+"."+ts+"."), body))
}

// signedRequest builds a request as Signalbox sends it.
func signedRequest(t testing.TB, target string, body []byte, at time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Gitlab-Signature", gitlabSignature(secret, body))
	r.Header.Set("webhook-id", "msg_1")
	r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	r.Header.Set("webhook-signature", standardSignature(secret, "msg_1", at, body))
	return r
}

func TestVerifyAcceptsGoodSignatures(t *testing.T) {
	t.Parallel()
	v := receiver.NewVerifier([]byte(secret), receiver.WithClock(clock))
	body := payload(t)

	cases := map[string]func(*http.Request){
		"both signatures":         func(*http.Request) {},
		"GitLab's signature only": func(r *http.Request) { r.Header.Del("webhook-signature") },
		"GitLab's, no Standard headers": func(r *http.Request) {
			r.Header.Del("webhook-signature")
			r.Header.Del("webhook-id")
			r.Header.Del("webhook-timestamp")
		},
		"Standard Webhooks only": func(r *http.Request) { r.Header.Del("X-Gitlab-Signature") },
		"upper-case hex": func(r *http.Request) {
			r.Header.Set("X-Gitlab-Signature", strings.ToUpper(r.Header.Get("X-Gitlab-Signature")))
		},
		"one of several signatures": func(r *http.Request) {
			r.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32))+" v1a,abc "+r.Header.Get("webhook-signature"))
		},
		"timestamp at the edge of the tolerance": func(r *http.Request) {
			at := now.Add(-5 * time.Minute)
			r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
			r.Header.Set("webhook-signature", standardSignature(secret, "msg_1", at, body))
		},
	}
	for name, tweak := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := signedRequest(t, "/hook", body, now)
			tweak(r)
			got, err := v.Verify(r)
			require.NoError(t, err)
			require.Equal(t, body, got)
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	body := payload(t)
	wrongKey := "another-secret"
	cases := map[string]struct {
		tweak   func(*http.Request)
		want    error
		options []receiver.Option
	}{
		"no signature at all": {
			tweak: func(r *http.Request) { r.Header.Del("X-Gitlab-Signature"); r.Header.Del("webhook-signature") },
			want:  receiver.ErrNoSignature,
		},
		"bad GitLab signature beside a good Standard one": {
			tweak: func(r *http.Request) { r.Header.Set("X-Gitlab-Signature", gitlabSignature(wrongKey, body)) },
			want:  receiver.ErrBadSignature,
		},
		"GitLab signature that is not hex": {
			tweak: func(r *http.Request) { r.Header.Set("X-Gitlab-Signature", "sha256=zz") },
			want:  receiver.ErrBadSignature,
		},
		"bad Standard signature beside a good GitLab one": {
			tweak: func(r *http.Request) {
				r.Header.Set("webhook-signature", standardSignature(wrongKey, "msg_1", now, body))
			},
			want: receiver.ErrBadSignature,
		},
		"Standard signature over another id": {
			tweak: func(r *http.Request) { r.Header.Set("webhook-id", "msg_2") },
			want:  receiver.ErrBadSignature,
		},
		"Standard signature of another version only": {
			tweak: func(r *http.Request) {
				r.Header.Set("webhook-signature", strings.Replace(r.Header.Get("webhook-signature"), "v1,", "v2,", 1))
			},
			want: receiver.ErrBadSignature,
		},
		"Standard signature without its id": {
			tweak: func(r *http.Request) { r.Header.Del("webhook-id") },
			want:  receiver.ErrBadSignature,
		},
		"Standard signature with a malformed timestamp": {
			tweak: func(r *http.Request) { r.Header.Set("webhook-timestamp", "yesterday") },
			want:  receiver.ErrBadSignature,
		},
		"stale timestamp (a replay)": {
			tweak: func(r *http.Request) {
				at := now.Add(-5*time.Minute - time.Second)
				r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
				r.Header.Set("webhook-signature", standardSignature(secret, "msg_1", at, body))
			},
			want: receiver.ErrTimestampOutOfTolerance,
		},
		"timestamp from the future": {
			tweak: func(r *http.Request) {
				at := now.Add(6 * time.Minute)
				r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
				r.Header.Set("webhook-signature", standardSignature(secret, "msg_1", at, body))
			},
			want: receiver.ErrTimestampOutOfTolerance,
		},
		"only GitLab's signature when a timestamp is required": {
			tweak:   func(r *http.Request) { r.Header.Del("webhook-signature") },
			want:    receiver.ErrNoSignature,
			options: []receiver.Option{receiver.WithRequireTimestamp(true)},
		},
		"body larger than the limit": {
			tweak:   func(*http.Request) {},
			want:    receiver.ErrBodyTooLarge,
			options: []receiver.Option{receiver.WithMaxBodyBytes(int64(len(body) - 1))},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := receiver.NewVerifier([]byte(secret), append([]receiver.Option{receiver.WithClock(clock)}, tc.options...)...)
			r := signedRequest(t, "/hook", body, now)
			tc.tweak(r)
			_, err := v.Verify(r)
			require.ErrorIs(t, err, tc.want)
			require.NotContains(t, err.Error(), secret)
		})
	}
}

func TestVerifyDetectsTamperedBody(t *testing.T) {
	t.Parallel()
	v := receiver.NewVerifier([]byte(secret), receiver.WithClock(clock))
	body := payload(t)
	r := signedRequest(t, "/hook", body, now)
	tampered := bytes.Replace(body, []byte(`"Update README.md"`), []byte(`"Update README.md!"`), 1)
	require.NotEqual(t, body, tampered)
	r.Body = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tampered)).Body
	_, err := v.Verify(r)
	require.ErrorIs(t, err, receiver.ErrBadSignature)
}

func TestVerifyTolerance(t *testing.T) {
	t.Parallel()
	body := payload(t)
	at := now.Add(-9 * time.Minute)
	r := signedRequest(t, "/hook", body, at)
	strict := receiver.NewVerifier([]byte(secret), receiver.WithClock(clock))
	_, err := strict.Verify(r)
	require.ErrorIs(t, err, receiver.ErrTimestampOutOfTolerance)

	r = signedRequest(t, "/hook", body, at)
	lenient := receiver.NewVerifier([]byte(secret), receiver.WithClock(clock), receiver.WithTolerance(10*time.Minute))
	_, err = lenient.Verify(r)
	require.NoError(t, err)
}

func TestVerifyWithoutSecretAcceptsUnsigned(t *testing.T) {
	t.Parallel()
	v := receiver.NewVerifier(nil)
	body := payload(t)
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	got, err := v.Verify(r)
	require.NoError(t, err)
	require.Equal(t, body, got)
}

func TestVerifierCopiesTheSecret(t *testing.T) {
	t.Parallel()
	key := []byte(secret)
	v := receiver.NewVerifier(key, receiver.WithClock(clock))
	key[0] = 'X' // the caller reusing its buffer must not change the verifier
	_, err := v.Verify(signedRequest(t, "/hook", payload(t), now))
	require.NoError(t, err)
}
