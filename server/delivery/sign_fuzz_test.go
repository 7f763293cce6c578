package delivery_test

import (
	"errors"
	"testing"
	"time"

	"github.com/signalbox/signalbox/sdk/go/receiver"
	"github.com/signalbox/signalbox/server/delivery"
)

// FuzzSignVerifies: what Sign produces, the SDK's Verifier accepts for the
// same secret, body and time, with replay protection required; a changed
// body or another secret is refused. Seeds are a real payload's signing and
// the edge cases of the header formats.
func FuzzSignVerifies(f *testing.F) {
	ev := sampleEvent()
	body, err := delivery.Payload(ev)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("s3cr3t-shared"), "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", int64(1767323045), body)
	f.Add([]byte("policy-secret"), "msg_1", int64(0), []byte(`{"object_kind":"merge_request"}`))
	f.Add([]byte{0, 0xff, '\n'}, "msg_ \t,v1", int64(253402300799), []byte{})
	f.Add([]byte(""), "msg_unsigned", int64(1), []byte("{}"))
	f.Fuzz(func(t *testing.T, secret []byte, id string, secs int64, body []byte) {
		if id == "" {
			// Standard Webhooks signs "id.timestamp.body"; a delivery always
			// has an id (queue.go makes one), and Verify rightly refuses a
			// webhook-signature without one.
			id = "msg_fuzz"
		}
		// Years 1970-9999: timestamps are unix seconds of a real clock.
		at := time.Unix(uint64ToRange(secs, 253402300799), 0)
		header := delivery.Sign(secret, id, at, body)
		clock := receiver.WithClock(func() time.Time { return at })

		v := receiver.NewVerifier(secret, clock, receiver.WithRequireTimestamp(len(secret) > 0))
		if err := v.VerifyHeader(header, body); err != nil {
			t.Fatalf("own signature refused: %v (header %v)", err, header)
		}
		if len(secret) == 0 {
			if header.Get(delivery.HeaderGitLabSignature) != "" || header.Get(delivery.HeaderWebhookSignature) != "" {
				t.Fatalf("signed without a secret: %v", header)
			}
			return
		}
		tampered := append(append([]byte(nil), body...), ' ')
		if err := v.VerifyHeader(header, tampered); !errors.Is(err, receiver.ErrBadSignature) {
			t.Fatalf("a changed body was not refused: %v", err)
		}
		other := receiver.NewVerifier(append([]byte("x"), secret...), clock)
		if err := other.VerifyHeader(header, body); !errors.Is(err, receiver.ErrBadSignature) {
			t.Fatalf("another secret was not refused: %v", err)
		}
	})
}

// uint64ToRange maps any int64 onto [0, limit].
func uint64ToRange(n, limit int64) int64 {
	return int64(uint64(n) % uint64(limit+1))
}
