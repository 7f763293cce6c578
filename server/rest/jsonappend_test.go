package rest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestAppendJSONMatchesEncodingJSON fills every entity that writes its own
// JSON with random values, every field of every nested entity included,
// and checks that it writes what encoding/json writes for it. A field added
// to one of these entities and not to its appendJSON fails here.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(42, 16))
	for _, zero := range []jsonAppender{mergeRequestStatusChecks{}, statusCheckResponse{}} {
		typ := reflect.TypeOf(zero)
		for i := range 3000 {
			v := reflect.New(typ).Elem()
			fillRandom(rng, v, 0)
			got := v.Interface().(jsonAppender).appendJSON(nil)
			want := encodingJSON(t, v.Interface())
			if !bytes.Equal(got, want) {
				t.Fatalf("%s #%d:\n got %s\nwant %s", typ, i, got, want)
			}
		}
	}
}

// TestAppendJSONStringMatchesEncodingJSON covers every one- and two-byte
// string and some longer ones: escapes, invalid UTF-8, U+2028 and U+2029.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	check := func(s string) {
		t.Helper()
		if got, want := appendJSONString(nil, s), encodingJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
	for a := range 256 {
		check(string([]byte{byte(a)}))
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	for _, s := range tricky {
		check(s)
		check("x" + s + "y" + s)
	}
}

// tricky are strings encoding/json escapes or rewrites.
var tricky = []string{
	"", "plain", `q"uote`, `back\slash`, "<a href='x'>&amp;</a>", "tab\tnew\nline\r",
	"\b\f\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "\xe2\x80", "héllo wörld 日本", "😀", "\xed\xa0\x80",
	"https://example.test/hook?a=1&b=<2>",
}

func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

var gitlabTimeType = reflect.TypeFor[gitlabTime]()

// fillRandom sets v, and everything in it, to random values; pointers and
// slices are nil about a third of the time.
func fillRandom(rng *rand.Rand, v reflect.Value, depth int) {
	if v.Type() == gitlabTimeType {
		if rng.IntN(3) == 0 {
			v.Set(reflect.ValueOf(gitlabTime{}))
			return
		}
		// From year 1 to 9999, with any nanoseconds.
		sec := rng.Int64N(253402300799+62135596800) - 62135596800
		v.Set(reflect.ValueOf(ts(&timestamppb.Timestamp{Seconds: sec, Nanos: rng.Int32N(1e9)})))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if rng.IntN(2) == 0 {
			v.SetString(tricky[rng.IntN(len(tricky))])
		} else {
			b := make([]byte, rng.IntN(12))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			v.SetString(string(b))
		}
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int32, reflect.Int64:
		switch rng.IntN(3) {
		case 0:
			v.SetInt(0)
		case 1:
			v.SetInt(rng.Int64N(1000))
		default:
			v.SetInt(int64(rng.Uint64()) >> (64 - v.Type().Bits()))
		}
	case reflect.Pointer:
		if rng.IntN(3) == 0 || depth > 6 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fillRandom(rng, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if rng.IntN(3) == 0 || depth > 6 {
			return
		}
		s := reflect.MakeSlice(v.Type(), rng.IntN(4), rng.IntN(4)+4)
		for i := range s.Len() {
			fillRandom(rng, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() || v.Type().Field(i).Anonymous {
				fillRandom(rng, v.Field(i), depth+1)
			}
		}
	default:
		panic("fillRandom: no case for " + v.Type().String())
	}
}
