package gitrepo

import (
	"strings"
	"unicode/utf8"
)

// Display is a string from git (a path, a commit message, an author's name
// or email) as Signalbox stores and shows it: unchanged when it is valid
// UTF-8, which nearly all are, and otherwise with each maximal invalid byte
// sequence replaced by U+FFFD, the replacement character.
//
// Git stores bytes, and a commit or a file name may be in any encoding; but
// every string Signalbox stores, answers or delivers must be valid UTF-8
// (proto3 strings and JSON are). GitLab converts such strings too
// (Gitlab::EncodingHelper): encode! first guesses a legacy encoding with an
// ICU detector and converts from it when confident, and otherwise drops the
// bytes that are not UTF-8; encode_utf8_no_detect replaces them with
// U+FFFD. Signalbox does not guess, since a guess depends on the detector's
// version and is often wrong for short strings like a file name, and it
// never drops bytes, since "a\xff/b" must not read as another, real path
// "a/b": it replaces, as encode_utf8_no_detect does and as Unicode
// recommends (the "maximal subpart" practice of Unicode §3.9, which Ruby's
// String#encode, Python and browsers' TextDecoder follow too). The result is
// for display only: a ref or path shown this way no longer names what git
// has, so Signalbox never uses a replaced string to address a git object.
func Display(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || n > 1 { // n > 1: a literal U+FFFD
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteRune(utf8.RuneError)
		i += maximalSubpart(s[i:])
	}
	return b.String()
}

// maximalSubpart is the length of the invalid sequence at the start of s
// that one U+FFFD replaces: the longest prefix that could begin a valid
// sequence (Unicode Table 3-7), or one byte when none could.
func maximalSubpart(s string) int {
	lo, hi := byte(0x80), byte(0xBF) // the range of the next byte
	var need int                     // continuation bytes the first byte asks for
	switch c := s[0]; {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F // no surrogates
	case 0xE1 <= c && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case 0xF1 <= c && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F // nothing above U+10FFFF
	default:
		return 1
	}
	n := 1
	for n <= need && n < len(s) && lo <= s[n] && s[n] <= hi {
		n++
		lo, hi = 0x80, 0xBF
	}
	return n
}
