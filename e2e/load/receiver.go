package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// arrival is one payload a receiver accepted.
type arrival struct {
	CheckID int64
	SHA     string
	At      time.Time
}

// receiver is a check service's endpoint: a real HTTP server on loopback
// that verifies X-Gitlab-Signature (lower-case hex HMAC-SHA256 of the body
// with the shared secret), answers 200, and reports each payload.
type receiver struct {
	URL    string
	srv    *http.Server
	secret []byte
	// onArrival hears about every verified payload.
	onArrival func(arrival)
	bad       atomic.Int64
}

// newReceiver serves on a fresh loopback port.
func newReceiver(secret string, onArrival func(arrival)) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{URL: "http://" + ln.Addr().String() + "/hook", secret: []byte(secret), onArrival: onArrival}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// payloadFields are the parts of GitLab's merge request payload the tool
// reads: which commit and which check it is about.
type payloadFields struct {
	ObjectAttributes struct {
		LastCommit struct {
			ID string `json:"id"`
		} `json:"last_commit"`
	} `json:"object_attributes"`
	ExternalApprovalRule struct {
		ID int64 `json:"id"`
	} `json:"external_approval_rule"`
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	at := time.Now()
	if err != nil {
		r.bad.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if !validSignature(r.secret, body, req.Header.Get("X-Gitlab-Signature")) {
		r.bad.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var p payloadFields
	if err := json.Unmarshal(body, &p); err != nil {
		r.bad.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.onArrival != nil {
		r.onArrival(arrival{CheckID: p.ExternalApprovalRule.ID, SHA: p.ObjectAttributes.LastCommit.ID, At: at})
	}
}

// validSignature checks GitLab's external status check signature.
func validSignature(secret, body []byte, signature string) bool {
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Bad counts payloads refused: a wrong signature or a body that is not
// GitLab's payload.
func (r *receiver) Bad() int64 { return r.bad.Load() }

// Close stops serving.
func (r *receiver) Close() { _ = r.srv.Close() }
