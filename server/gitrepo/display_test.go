package gitrepo_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
)

func TestDisplay(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                        "",
		"plain.txt":               "plain.txt",
		"café 名前 \U0001F600":      "café 名前 \U0001F600",
		"\uFFFD is kept":          "\uFFFD is kept",
		"\xff.txt":                "\uFFFD.txt",
		"\xff\xfe":                "\uFFFD\uFFFD",             // two bytes that start nothing: one each
		"Ren\xe9e":                "Ren\uFFFDe",               // Latin-1 é
		"\xe2\x82":                "\uFFFD",                   // a euro sign cut short: one
		"\xe2\x82x":               "\uFFFDx",                  //
		"\xf0\x9f\x98":            "\uFFFD",                   // an emoji cut short: one
		"\xf0\x80\x80":            "\uFFFD\uFFFD\uFFFD",       // overlong: F0 80 can start nothing
		"\xed\xa0\x80":            "\uFFFD\uFFFD\uFFFD",       // a surrogate
		"\xf4\x90\x80\x80":        "\uFFFD\uFFFD\uFFFD\uFFFD", // above U+10FFFF
		"\xc0\xaf":                "\uFFFD\uFFFD",             // overlong "/"
		"a\x00b\xff":              "a\x00b\uFFFD",             // NUL is valid UTF-8 and stays
		"\xe0\xa0":                "\uFFFD",                   //
		"\xe0\x80":                "\uFFFD\uFFFD",             // E0 needs A0-BF next
		"ok\xc3\xa9\xc3":          "ok\u00e9\uFFFD",           //
		"\x80\x80\x80 tail":       "\uFFFD\uFFFD\uFFFD tail",  //
		"\xf1\x80\x80\xe1\x80X":   "\uFFFD\uFFFDX",            //
		"\xf4\x8f\xbf\xbf":        "\U0010FFFF",               // the last code point is valid
		"\xef\xbf\xbd\xff":        "\uFFFD\uFFFD",             // a real U+FFFD, then a bad byte
		strings.Repeat("\xff", 3): strings.Repeat("\uFFFD", 3),
	} {
		require.Equal(t, want, gitrepo.Display(in), "%q", in)
	}
}

// FuzzDisplay: the result is valid UTF-8, valid input comes back unchanged,
// a second pass changes nothing, and the replacement agrees with the WHATWG
// Encoding Standard's UTF-8 decoder (a differently written statement of the
// same Unicode practice).
func FuzzDisplay(f *testing.F) {
	for _, s := range []string{"", "a", "\xff.txt", "\xe2\x82", "\xf0\x80\x80", "\xed\xa0\x80", "名前\xe5\x90", "\xef\xbf\xbd"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got := gitrepo.Display(string(in))
		if !utf8.ValidString(got) {
			t.Fatalf("Display(%q) = %q, not valid UTF-8", in, got)
		}
		if utf8.Valid(in) && got != string(in) {
			t.Fatalf("Display(%q) = %q changed valid UTF-8", in, got)
		}
		if again := gitrepo.Display(got); again != got {
			t.Fatalf("Display is not idempotent on %q: %q then %q", in, got, again)
		}
		if want := whatwgDecode(in); got != want {
			t.Fatalf("Display(%q) = %q, the WHATWG decoder says %q", in, got, want)
		}
	})
}

// whatwgDecode is the UTF-8 decoder of the WHATWG Encoding Standard
// (section 8.1.1), with replacement on error.
func whatwgDecode(in []byte) string {
	var out strings.Builder
	var codePoint rune
	needed, seen := 0, 0
	lower, upper := byte(0x80), byte(0xBF)
	for i := 0; i <= len(in); i++ {
		if i == len(in) {
			if needed != 0 {
				out.WriteRune(utf8.RuneError)
			}
			break
		}
		b := in[i]
		if needed == 0 {
			switch {
			case b <= 0x7F:
				out.WriteByte(b)
			case 0xC2 <= b && b <= 0xDF:
				needed, codePoint = 1, rune(b&0x1F)
			case 0xE0 <= b && b <= 0xEF:
				if b == 0xE0 {
					lower = 0xA0
				}
				if b == 0xED {
					upper = 0x9F
				}
				needed, codePoint = 2, rune(b&0xF)
			case 0xF0 <= b && b <= 0xF4:
				if b == 0xF0 {
					lower = 0x90
				}
				if b == 0xF4 {
					upper = 0x8F
				}
				needed, codePoint = 3, rune(b&0x7)
			default:
				out.WriteRune(utf8.RuneError)
			}
			continue
		}
		if b < lower || b > upper {
			codePoint, needed, seen, lower, upper = 0, 0, 0, 0x80, 0xBF
			out.WriteRune(utf8.RuneError)
			i-- // the byte is looked at again, as the start of what follows
			continue
		}
		lower, upper = 0x80, 0xBF
		codePoint = codePoint<<6 | rune(b&0x3F)
		seen++
		if seen == needed {
			out.WriteRune(codePoint)
			codePoint, needed, seen = 0, 0, 0
		}
	}
	return out.String()
}
