package validation_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/wasm/validation"
)

// fromError turns what protovalidate returned into a Result, the shape the
// browser validator answers in.
func fromError(err error) validation.Result {
	out := validation.Result{Violations: []validation.Violation{}}
	if err == nil {
		return out
	}
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		out.Error = err.Error()
		return out
	}
	for _, violation := range ve.Violations {
		out.Violations = append(out.Violations, validation.Violation{
			Field:   protovalidate.FieldPathString(violation.Proto.GetField()),
			Rule:    violation.Proto.GetRuleId(),
			Message: violation.Proto.GetMessage(),
		})
	}
	return out
}

// TestRulesMatchTheProto reads every rule status_check_settings.proto
// declares from the generated descriptors and requires exactly the rules the
// browser validator implements: a rule added, changed or removed in the
// proto fails here until wasm/validation/rules.go follows.
func TestRulesMatchTheProto(t *testing.T) {
	t.Parallel()
	var gotCEL []validation.CELRule
	gotStandard := map[string]string{}
	for _, md := range []protoreflect.MessageDescriptor{
		(&signalboxv1.StatusCheckSettings{}).ProtoReflect().Descriptor(),
		(&signalboxv1.StatusCheckSpec{}).ProtoReflect().Descriptor(),
	} {
		msgRules := proto.GetExtension(md.Options(), validate.E_Message).(*validate.MessageRules)
		require.Zero(t, proto.Size(msgRules), "message rules of %s are not implemented by the browser validator", md.FullName())
		require.Zero(t, md.Oneofs().Len(), "oneofs of %s are not implemented by the browser validator", md.FullName())
		for i := range md.Fields().Len() {
			fd := md.Fields().Get(i)
			name := string(md.Name()) + "." + string(fd.Name())
			rules := proto.GetExtension(fd.Options(), validate.E_Field).(*validate.FieldRules)
			for _, c := range rules.GetCel() {
				gotCEL = append(gotCEL, validation.CELRule{Field: name, ID: c.GetId(), Message: c.GetMessage(), Expression: c.GetExpression()})
			}
			rest := proto.CloneOf(rules)
			rest.SetCel(nil)
			if text := prototext.Format(rest); text != "" {
				// prototext's spacing is unstable on purpose; compare without it.
				gotStandard[name] = strings.Join(strings.Fields(text), "")
			}
		}
	}
	require.Equal(t, validation.CELRules, gotCEL)
	want := map[string]string{}
	for k, v := range validation.StandardRules {
		want[k] = strings.ReplaceAll(strings.ReplaceAll(v, " ", ""), ":{", "{")
	}
	for k, v := range gotStandard {
		gotStandard[k] = strings.ReplaceAll(v, ":{", "{")
	}
	require.Equal(t, want, gotStandard)
}

// requireSameVerdict validates msg with protovalidate, as the server does,
// and with the browser validator, both as Go values and through protobuf
// JSON, and requires the very same violations in the same order.
func requireSameVerdict(t *testing.T, pv protovalidate.Validator, v *validation.Validator, msg *signalboxv1.StatusCheckSettings) {
	t.Helper()
	want := fromError(pv.Validate(msg))
	require.Empty(t, want.Error)
	text, err := protojson.Marshal(msg)
	require.NoError(t, err)
	require.Equal(t, want, v.ValidateJSON(validation.SettingsType, text), "%s", text)
	// Proto field names too, as the server's JSON would spell them.
	text, err = protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg)
	require.NoError(t, err)
	require.Equal(t, want, v.ValidateJSON(validation.SettingsType, text), "%s", text)
}

func newValidators(t testing.TB) (protovalidate.Validator, *validation.Validator) {
	pv, err := protovalidate.New(protovalidate.WithMessages(&signalboxv1.StatusCheckSettings{}))
	require.NoError(t, err)
	v, err := validation.New()
	require.NoError(t, err)
	return pv, v
}

// urlPieces are the parts random URLs are made of: schemes in odd cases
// (the long s folds to s under (?i)), the RFC 3986 delimiters, IPv6 and
// IPvFuture literals, zone ids, percent-escapes, spaces and non-ASCII.
var urlPieces = []string{
	"http", "https", "HTTPS", "HtTp", "httpſ", "ftp", "a+b-c.d", "1x", ":", "//", "/", "?", "#", "@", "[", "]",
	"::1", "v7.x", "fe80::a%25en1", "%", "%4", "%41", "%zz", "x.example.test", "user:pw", "8080", ":0",
	"127.0.0.1", "1.2.3", " ", "\t", "é", "☃", "!$&'()*+,;=", "-._~", "\"", "<", "\\", "^", "`", "{", "|", "}",
}

var namePieces = []string{"", " ", "\t", "\n", "\u00a0", "\u2003", "\u200b", "a", "Compliance", "é", "☃", strings.Repeat("n", 127)}

func randomFrom(r *rand.Rand, pieces []string, max int) string {
	var b strings.Builder
	for range r.IntN(max + 1) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomSettings(r *rand.Rand) *signalboxv1.StatusCheckSettings {
	msg := &signalboxv1.StatusCheckSettings{}
	for range r.IntN(4) {
		spec := &signalboxv1.StatusCheckSpec{
			Id:             r.Int64N(5) - 1,
			Name:           randomFrom(r, namePieces, 3),
			ExternalUrl:    randomFrom(r, urlPieces, 7),
			TimeoutSeconds: []int32{0, -1, 86400, 86401, 120, -2147483648, 2147483647}[r.IntN(7)],
		}
		for range r.IntN(4) {
			spec.ProtectedBranchIds = append(spec.ProtectedBranchIds, r.Int64N(4)-1)
		}
		if r.IntN(8) == 0 {
			spec.Name = strings.Repeat("é", 255+r.IntN(2))
		}
		if r.IntN(8) == 0 {
			spec.ExternalUrl = "https://x.example.test/" + strings.Repeat("p", 231+r.IntN(2))
		}
		msg.Checks = append(msg.Checks, spec)
	}
	// Repeats, so the uniqueness rules fire.
	if n := len(msg.Checks); n >= 2 && r.IntN(3) == 0 {
		msg.Checks[n-1].Name = msg.Checks[0].Name
	}
	if n := len(msg.Checks); n >= 2 && r.IntN(3) == 0 {
		msg.Checks[n-1].ExternalUrl = msg.Checks[0].ExternalUrl
	}
	return msg
}

// TestSameVerdictsAsProtovalidate runs random settings (fixed seed) through
// both validators.
func TestSameVerdictsAsProtovalidate(t *testing.T) {
	t.Parallel()
	pv, v := newValidators(t)
	r := rand.New(rand.NewPCG(17, 2026))
	n := 5000
	if testing.Short() {
		n = 1000
	}
	for range n {
		requireSameVerdict(t, pv, v, randomSettings(r))
	}
}

// FuzzSameVerdictsAsProtovalidate is the same comparison on one check with
// a fuzzed name and URL, after an existing check.
func FuzzSameVerdictsAsProtovalidate(f *testing.F) {
	pv, v := newValidators(f)
	for _, u := range []string{
		"https://a.example.com/check", "HTTPS://a.example.com", "httpſ://x", "https:///x", "http://%41/", "HTTP://0@/x",
		"http://[::1]:9/", "http://[v7.x]/", "http://[fe80::a%25en1]/", "ftp://x", "not a url", "http:x", "https://user@",
		"", " ", "http://é.example/", "mailto:a@b",
	} {
		f.Add("a", u, int64(0), int32(0))
	}
	f.Add("  ", "https://existing.example.test/", int64(-1), int32(86401))
	f.Add("existing", "https://b.example.test/", int64(1), int32(-1))
	f.Fuzz(func(t *testing.T, name, externalURL string, branch int64, timeout int32) {
		msg := &signalboxv1.StatusCheckSettings{Checks: []*signalboxv1.StatusCheckSpec{
			{Id: 1, Name: "existing", ExternalUrl: "https://existing.example.test/"},
			{Name: name, ExternalUrl: externalURL, ProtectedBranchIds: []int64{branch, 1}, TimeoutSeconds: timeout},
		}}
		if _, err := protojson.Marshal(msg); err != nil {
			return // not valid UTF-8: no JSON carries it
		}
		requireSameVerdict(t, pv, v, msg)
	})
}

// TestValidateJSONReadsWhatProtojsonReads: the spellings of numbers and
// nulls protojson accepts, and what it refuses.
func TestValidateJSONReadsWhatProtojsonReads(t *testing.T) {
	t.Parallel()
	pv, v := newValidators(t)
	for _, text := range []string{
		`{}`, `{"checks":null}`, `{"checks":[]}`,
		`{"checks":[{"id":"-1","name":"a","externalUrl":"https://a.example"}]}`,
		`{"checks":[{"id":-1,"name":"a","externalUrl":"https://a.example"}]}`,
		`{"checks":[{"id":1e2,"name":"a","externalUrl":"https://a.example","timeoutSeconds":"86401"}]}`,
		`{"checks":[{"id":"1e2","name":null,"externalUrl":null,"protectedBranchIds":null,"timeoutSeconds":null}]}`,
		`{"checks":[{"protected_branch_ids":["0",0,"3.0"],"timeout_seconds":-1.0}]}`,
		`{"checks":[{"id":"9223372036854775807"}]}`,
		// refused
		`{"checks":[{"id":"9223372036854775808"}]}`, `{"checks":[{"id":1.5}]}`, `{"checks":[{"id":" 1"}]}`,
		`{"checks":[{"timeoutSeconds":2147483648}]}`, `{"checks":[{"id":"0x10"}]}`, `{"checks":[{"name":1}]}`,
		`{"checks":[null]}`, `{"checks":{}}`, `{"checks":[{"nope":1}]}`, `{"nope":1}`, `[]`, `null`, `{"checks":`,
		`{"checks":[{"name":"a","name":"b"}]}`, `{"checks":[{"name":"a","NAME":"b"}]}`, "{\"checks\":[{\"name\":\"\xff\"}]}",
		`{"checks":[{"id":"Infinity"}]}`, `{"checks":[{"id":"-0"}]}`, `{"checks":[{"id":-0}]}`,
		`{"checks":[{"id":9.223372036854775807e18}]}`, `{"checks":[{"id":9.2233720368547758e18}]}`, `{"checks":[{"id":"1E400"}]}`,
		`{"checks":[{"id":1e-2}]}`, `{"checks":[{"id":100e-2}]}`, `{"checks":[{"id":01}]}`, `{"checks":[{"id":-}]}`,
		`{"checks":[{"id":"NaN"}]}`, `{"checks":[{"id":true}]}`, `{"checks":[{"protectedBranchIds":"1"}]}`,
		` { "checks" : [ { "name" : "\ud83d\ude00" , "externalUrl":"http://\u00e9x/" } ] } `,
		`{"checks":[{"name":"\ud800\u0041"}]}`, `{"checks":[{"name":"\udc00"}]}`, `{"checks":[{"name":"a\u0000"}]}`,
		"{\"checks\":[{\"name\":\"a\tb\"}]}", `{"checks":[{"name":"\x41"}]}`, `{"checks":[]}x`, `{"checks":[],}`,
	} {
		msg := &signalboxv1.StatusCheckSettings{}
		perr := protojson.Unmarshal([]byte(text), msg)
		got := v.ValidateJSON(validation.SettingsType, []byte(text))
		if perr != nil {
			require.NotEmpty(t, got.Error, "protojson refuses %s (%v), the browser validator reads it", text, perr)
			require.Equal(t, []validation.Violation{}, got.Violations)
			continue
		}
		require.Equal(t, fromError(pv.Validate(msg)), got, text)
	}
}
