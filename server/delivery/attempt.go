package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Outcome says what a delivery attempt means for the next one.
type Outcome int

// The outcomes of an attempt.
const (
	// OutcomeSuccess: the receiver answered 2xx.
	OutcomeSuccess Outcome = iota + 1
	// OutcomeRetryable: a network error, a timeout, a 5xx or a 429; trying
	// again later may succeed.
	OutcomeRetryable
	// OutcomeTerminal: any other answer (3xx, since redirects are not
	// followed, or a 4xx other than 429), a blocked address or an unusable
	// URL; trying again will not help.
	OutcomeTerminal
)

// String returns "success", "retryable" or "terminal".
func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomeRetryable:
		return "retryable"
	case OutcomeTerminal:
		return "terminal"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// maxDrainBytes is how much of a response body is read, and thrown away, so
// that the connection can be reused. Receivers have nothing to tell us in the
// body: their verdict comes later, through the API.
const maxDrainBytes = 64 << 10

// Result is what one attempt did, for the delivery log and the retry
// decision.
type Result struct {
	// Outcome classifies the attempt.
	Outcome Outcome
	// StatusCode is the receiver's HTTP status, or 0 when there was no
	// response.
	StatusCode int
	// Start is when the attempt began, by the client's clock.
	Start time.Time
	// Duration is how long the attempt took.
	Duration time.Duration
	// Error describes a failure in words safe to show to the project's
	// maintainers: it never contains the shared secret, signatures or
	// headers. It is empty on success.
	Error string
	// RetryAfter is the delay a 429 or 503 answer asked for with
	// Retry-After, or 0 when it asked for none.
	RetryAfter time.Duration
	// Blocked reports that the address was refused because it is on the
	// local network.
	Blocked bool
}

// Attempt makes one delivery attempt: it POSTs body to target with header
// (typically from [Sign]) plus Content-Type: application/json and
// User-Agent: Signalbox. It does not retry; the caller decides with the
// returned [Result] and a [Backoff].
func (c *Client) Attempt(ctx context.Context, target string, header http.Header, body []byte) (res Result) {
	res.Start = c.clock.Now()
	defer func() {
		res.Duration = c.clock.Now().Sub(res.Start)
		if c.cfg.observe != nil {
			c.cfg.observe(res)
		}
	}()

	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		res.Outcome = OutcomeTerminal
		res.Error = "the URL is not an absolute http or https URL"
		return res
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		res.Outcome = OutcomeTerminal
		res.Error = "the URL cannot be used"
		return res
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		res.Outcome, res.Error, res.Blocked = c.classifyError(ctx, err)
		return res
	}
	// Drain a little so the connection can be reused; a failure while
	// draining changes nothing, the status has arrived.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))
	_ = resp.Body.Close()

	res.StatusCode = resp.StatusCode
	res.Outcome = classifyStatus(resp.StatusCode)
	if res.Outcome != OutcomeSuccess {
		res.Error = describeStatus(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		res.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.clock.Now())
	}
	return res
}

// classifyStatus sorts an HTTP status into an outcome.
func classifyStatus(code int) Outcome {
	switch {
	case code >= 200 && code <= 299:
		return OutcomeSuccess
	case code == http.StatusTooManyRequests, code >= 500 && code <= 599:
		return OutcomeRetryable
	}
	return OutcomeTerminal
}

func describeStatus(code int) string {
	text := strings.TrimSpace(fmt.Sprintf("HTTP %d %s", code, http.StatusText(code)))
	if code >= 300 && code <= 399 {
		return text + ": redirects are not followed"
	}
	return text
}

// classifyError sorts a failed request into an outcome and describes it. The
// description is built from the kind of failure, not from err's text, so
// nothing the request carried can leak into it.
func (c *Client) classifyError(ctx context.Context, err error) (Outcome, string, bool) {
	var blocked *BlockedAddressError
	if errors.As(err, &blocked) {
		return OutcomeTerminal, blocked.Error(), true
	}
	if ctx.Err() != nil {
		// The caller gave up (shutdown, lease lost): not the receiver's
		// fault, so worth another attempt.
		return OutcomeRetryable, "the attempt was canceled", false
	}
	var opErr *net.OpError
	isDial := errors.As(err, &opErr) && opErr.Op == "dial"
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		if isDial {
			return OutcomeRetryable, fmt.Sprintf("could not connect within %s", c.cfg.connectTimeout), false
		}
		if strings.Contains(err.Error(), "TLS handshake timeout") { // net/http exports no type for it
			return OutcomeRetryable, fmt.Sprintf("TLS handshake did not finish within %s", c.cfg.connectTimeout), false
		}
		return OutcomeRetryable, fmt.Sprintf("no complete answer within %s", c.cfg.totalTimeout), false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return OutcomeRetryable, fmt.Sprintf("host %q not found", dnsErr.Name), false
		}
		return OutcomeRetryable, fmt.Sprintf("could not resolve host %q", dnsErr.Name), false
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return OutcomeRetryable, "connection refused", false
	case errors.Is(err, syscall.ECONNRESET):
		return OutcomeRetryable, "connection reset by the receiver", false
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return OutcomeRetryable, "host unreachable", false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return OutcomeRetryable, "the receiver closed the connection without answering", false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr) || errors.As(err, &invalidCert) {
		return OutcomeRetryable, "the receiver's TLS certificate could not be verified", false
	}
	if isDial {
		return OutcomeRetryable, "could not connect", false
	}
	return OutcomeRetryable, "the request failed before an answer arrived", false
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date
// (RFC 9110, section 10.2.3). Anything else, or a time in the past, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		// A day is far beyond any check's deadline; bounding it keeps the
		// multiplication from overflowing.
		return time.Duration(min(secs, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
