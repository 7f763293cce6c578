package validation_test

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"buf.build/go/protovalidate"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/wasm/validation"
)

// protovalidateIsURI is CEL's isUri() as the server runs it: the rule
// status_check.external_url_invalid is `this == ” || this.isUri()`, so for
// a non-empty valid UTF-8 string it fires exactly when isUri() is false.
func protovalidateIsURI(t testing.TB, pv protovalidate.Validator, s string) bool {
	t.Helper()
	require.NotEmpty(t, s)
	require.True(t, utf8.ValidString(s))
	res := fromError(pv.Validate(&signalboxv1.StatusCheckSettings{Checks: []*signalboxv1.StatusCheckSpec{{Name: "a", ExternalUrl: s}}}))
	require.Empty(t, res.Error)
	for _, v := range res.Violations {
		if v.Rule == "status_check.external_url_invalid" {
			return false
		}
	}
	return true
}

// uriCases are notable URIs and why they are (not) one. Each verdict is
// RFC 3986's (RFC 6874 for zone ids) unless the reason says protovalidate
// decides otherwise; TestIsURI checks them against protovalidate too.
var uriCases = []struct {
	uri    string
	valid  bool
	reason string
}{
	{"https://a.example.com/check?token=123&a=b#top", true, "every component"},
	{"HTTP://A.EXAMPLE", true, "scheme and host in any case"},
	{"a+b-c.d:x", true, "scheme of ALPHA DIGIT + - ."},
	{"mailto:a@b", true, "path-rootless with @"},
	{"urn:isbn:0451450523", true, "path-rootless with :"},
	{"x:", true, "path-empty"},
	{"x:/", true, "path-absolute, empty segment"},
	{"x:/a//b", true, "path-absolute, empty segment later"},
	{"x://", true, "empty authority (empty reg-name)"},
	{"http:///x", true, "empty host then path-abempty"},
	{"http://user:pw@host:8080/p", true, "userinfo with :, port"},
	{"http://@host", true, "empty userinfo"},
	{"http://user@", true, "userinfo with empty host"},
	{"http://host:", true, "empty port"},
	{"http://host:99999999999999999999", true, "port of any length: RFC 3986 sets no range"},
	{"http://host:8a", false, "port is digits only"},
	{"http://host:80:80", false, "a second : in the authority"},
	{"http://a@b@c", false, "@ in host"},
	{"http://1.2.3.4/", true, "IPv4address"},
	{"http://256.1.1.1/", true, "not an IPv4address, but a reg-name"},
	{"http://%41/", true, "percent-encoded reg-name"},
	{"http://%c3%a9.example/", true, "percent-encoded UTF-8 reg-name"},
	{"http://%ff/", false, "protovalidate: a reg-name's octets must decode to UTF-8"},
	{"http://%c3/", false, "protovalidate: a truncated UTF-8 sequence in a reg-name"},
	{"http://x/%ff", true, "any octet in the path"},
	{"http://%ff@x/", true, "any octet in the userinfo"},
	{"http://%4/", false, "% needs two hex digits"},
	{"http://%zz/", false, "% needs two hex digits"},
	{"http://x/%", false, "bare % in the path"},
	{"http://[::1]:9/", true, "IPv6 loopback with port"},
	{"http://[::]/", true, "unspecified address"},
	{"http://[1:2:3:4:5:6:7:8]/", true, "eight groups"},
	{"http://[1:2:3:4:5:6:7::]/", true, ":: standing for one group"},
	{"http://[1:2:3:4:5:6:7:8:9]/", false, "nine groups"},
	{"http://[1:2:3:4:5:6:7]/", false, "seven groups without ::"},
	{"http://[1::2::3]/", false, ":: twice"},
	{"http://[1:::2]/", false, "three colons"},
	{"http://[:1::]/", false, "a leading single colon"},
	{"http://[12345::]/", false, "h16 of five digits"},
	{"http://[::ffff:1.2.3.4]/", false, "protovalidate: no IPv4 in the last 32 bits, though RFC 3986 allows it"},
	{"http://[1:2:3:4:5:6:1.2.3.4]/", false, "protovalidate: no IPv4 in the last 32 bits, even after six groups"},
	{"http://[::ffff:102:304]/", true, "the same address in hex"},
	{"http://[1:2:3:4:5:6:7:1.2.3.4]/", false, "seven groups and IPv4"},
	{"http://[::1.2.3.4:1]/", false, "IPv4 only at the end"},
	{"http://[::01.2.3.4]/", false, "dec-octet without leading zero"},
	{"http://[::256.2.3.4]/", false, "dec-octet above 255"},
	{"http://[fe80::a%25en1]/", true, "RFC 6874 zone id"},
	{"http://[fe80::a%25%65n1]/", true, "RFC 6874 zone id, percent-encoded"},
	{"http://[fe80::a%25%c3%a9]/", true, "zone id, percent-encoded UTF-8"},
	{"http://[fe80::a%25%ff]/", false, "protovalidate: a zone id's octets must decode to UTF-8"},
	{"http://[fe80::a%25!]/", false, "sub-delims are not in a zone id"},
	{"http://[v7.x%25a]/", false, "no zone id on IPvFuture"},
	{"http://%c0%80/", false, "protovalidate: overlong UTF-8 in a reg-name"},
	{"http://%ed%a0%80/", false, "protovalidate: a UTF-16 surrogate in a reg-name"},
	{"http://x/?%ff#%ff", true, "any octet in query and fragment"},
	{"http://[fe80::a%en1]/", false, "zone id with a bare %, not %25"},
	{"http://[fe80::a%25]/", false, "empty zone id"},
	{"http://[fe80::a%25a:b]/", false, ": in a zone id"},
	{"http://[v7.x]/", true, "IPvFuture"},
	{"http://[v7.x:y!]/", true, "IPvFuture with sub-delims and :"},
	{"http://[vA.b]/", true, "IPvFuture, hex version in either case"},
	{"http://[V7.x]/", false, "protovalidate: IPvFuture's v in lower case only, though ABNF ignores case"},
	{"http://[v.x]/", false, "IPvFuture without version"},
	{"http://[v7.]/", false, "IPvFuture without address"},
	{"http://[v7x]/", false, "IPvFuture without ."},
	{"http://[::1/", false, "unclosed ["},
	{"http://[::1]x/", false, "text after ]"},
	{"http://::1/", false, "IPv6 without brackets"},
	{"http://x[/", false, "[ in a reg-name"},
	{"http://x/?a=[]", false, "[ ] are gen-delims, not allowed in a query"},
	{"http://x/#a#b", false, "# in a fragment"},
	{"http://x/?#?/", true, "? and / in query and fragment"},
	{"http://é.example/", false, "non-ASCII (an IRI, not a URI)"},
	{"http://x/a b", false, "space"},
	{"http://x/\\", false, "backslash"},
	{"//x/", false, "relative reference, no scheme"},
	{"1x:y", false, "scheme starting with a digit"},
	{":x", false, "empty scheme"},
	{"x", false, "no :"},
	{"httpſ://x", false, "ſ in a scheme"},
}

// TestIsURI checks the table, and that protovalidate gives each the same
// verdict.
func TestIsURI(t *testing.T) {
	t.Parallel()
	pv, _ := newValidators(t)
	for _, c := range uriCases {
		require.Equal(t, c.valid, validation.IsURI(c.uri), "%q: %s", c.uri, c.reason)
		require.Equal(t, c.valid, protovalidateIsURI(t, pv, c.uri), "protovalidate on %q: %s", c.uri, c.reason)
	}
	require.False(t, validation.IsURI(""), "the empty string")
	require.False(t, validation.IsURI("http://x/\xff"), "not UTF-8")
}

// uriParts are what random URIs are made of: every ASCII class the grammar
// tells apart, around the delimiters, IP literals and percent-escapes.
var uriParts = []string{
	"http:", "x:", "//", "/", "?", "#", "@", ":", "[", "]", "%", "%25", "%2", "%41", "%c3%a9", "%e2%98", "%ff", "%C3",
	"::", "1", "ffff", "12345", "1.2.3.4", "255", "256", "01", ".", "v", "V7.", "a", "Z", "-", "_", "~",
	"!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", " ", "\"", "<", "\\", "^", "`", "{", "|", "}", "é",
}

// ipv6Parts make IP literals: groups, colons, IPv4 tails and zone ids.
var ipv6Parts = []string{":", ":", "::", "1", "ffff", "12345", "1.2.3.4", "01.2.3.4", "1.2.3", "%25", "%", "en0", "%41", "v7.", "0"}

// TestIsURIMatchesProtovalidateRandom compares both on 20,000 random URIs
// (fixed seed).
func TestIsURIMatchesProtovalidateRandom(t *testing.T) {
	t.Parallel()
	pv, _ := newValidators(t)
	r := rand.New(rand.NewPCG(3986, 6874))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		var s string
		switch r.IntN(3) {
		case 0:
			s = "http://[" + randomFrom(r, ipv6Parts, 12) + randomFrom(r, uriParts, 1) + "]/"
		case 1:
			s = "http://" + randomFrom(r, uriParts, 6)
		default:
			s = randomFrom(r, uriParts, 10)
		}
		if s == "" {
			continue
		}
		require.Equal(t, protovalidateIsURI(t, pv, s), validation.IsURI(s), "%q", s)
	}
}

// FuzzIsURIMatchesProtovalidate compares IsURI with protovalidate's isUri()
// on any string.
func FuzzIsURIMatchesProtovalidate(f *testing.F) {
	pv, _ := newValidators(f)
	for _, c := range uriCases {
		f.Add(c.uri)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := validation.IsURI(s)
		if s == "" || !utf8.ValidString(s) {
			if got {
				t.Fatalf("IsURI(%q) is true", s)
			}
			return
		}
		if want := protovalidateIsURI(t, pv, s); want != got {
			t.Fatalf("IsURI(%q) = %v, protovalidate's isUri() = %v", s, got, want)
		}
	})
}
