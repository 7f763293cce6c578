package validation

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader (RFC 8259), so that the WebAssembly module does not
// link encoding/json, and with it reflect, fmt and os: together they were a
// quarter of the module. FuzzValidateJSON holds it to protojson: whatever
// protojson reads, this reads the same; whatever protojson refuses, this
// refuses.

type jsonKind byte

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is one parsed value. text is a number's literal text or a
// string's decoded value; members keep an object's names in order, repeats
// included (protojson refuses those, a map would hide them).
type jsonValue struct {
	kind    jsonKind
	text    string
	items   []jsonValue
	members []member
}

type member struct {
	key   string
	value jsonValue
}

// parseJSON reads exactly one JSON value from text.
func parseJSON(text []byte) (jsonValue, error) {
	if !utf8.Valid(text) {
		return jsonValue{}, errors.New("invalid UTF-8")
	}
	p := &jsonParser{s: string(text)}
	v, err := p.value(0)
	if err != nil {
		return jsonValue{}, err
	}
	p.space()
	if p.i != len(p.s) {
		return jsonValue{}, p.fail("data after the value")
	}
	return v, nil
}

type jsonParser struct {
	s string
	i int
}

// maxDepth bounds nesting, as a stack guard for hostile input.
const maxDepth = 100

func (p *jsonParser) fail(what string) error {
	return errors.New(what + " at offset " + strconv.Itoa(p.i))
}

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (jsonValue, error) {
	if depth > maxDepth {
		return jsonValue{}, p.fail("nested too deeply")
	}
	p.space()
	if p.i >= len(p.s) {
		return jsonValue{}, p.fail("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return jsonValue{kind: jsonString, text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := p.number()
		return jsonValue{kind: jsonNumber, text: n}, err
	}
	for _, lit := range []struct {
		word string
		kind jsonKind
	}{{"null", jsonNull}, {"true", jsonBool}, {"false", jsonBool}} {
		if strings.HasPrefix(p.s[p.i:], lit.word) {
			p.i += len(lit.word)
			return jsonValue{kind: lit.kind, text: lit.word}, nil
		}
	}
	return jsonValue{}, p.fail("invalid value")
}

func (p *jsonParser) object(depth int) (jsonValue, error) {
	out := jsonValue{kind: jsonObject}
	p.i++ // {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return out, nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return out, p.fail("expected a member name")
		}
		key, err := p.str()
		if err != nil {
			return out, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return out, p.fail("expected ':'")
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return out, err
		}
		out.members = append(out.members, member{key: key, value: v})
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return out, nil
		}
		return out, p.fail("expected ',' or '}'")
	}
}

func (p *jsonParser) array(depth int) (jsonValue, error) {
	out := jsonValue{kind: jsonArray}
	p.i++ // [
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return out, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return out, err
		}
		out.items = append(out.items, v)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return out, nil
		}
		return out, p.fail("expected ',' or ']'")
	}
}

// str reads a string literal. A \u escape of half a surrogate pair without
// the other half is an error, as in protojson (encoding/json would replace
// it with U+FFFD).
func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.fail("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", p.fail("unterminated escape")
		}
		esc := p.s[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\', '/':
			b.WriteByte(esc)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if strings.HasPrefix(p.s[p.i:], `\u`) {
					p.i += 2
					r2, ok = p.hex4()
					if !ok {
						return "", p.fail("invalid \\u escape")
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", p.fail("lone surrogate in a string")
				}
			}
			b.WriteRune(r)
		default:
			return "", p.fail("invalid escape")
		}
	}
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil || strings.ContainsAny(p.s[p.i:p.i+4], "+-_xX") {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and returns its text.
func (p *jsonParser) number() (string, error) {
	start := p.i
	if end := jsonNumberEnd(p.s, p.i); end > p.i {
		p.i = end
		return p.s[start:end], nil
	}
	return "", p.fail("invalid number")
}

// jsonNumberEnd is the end of the JSON number at s[i:], or i if there is none.
func jsonNumberEnd(s string, i int) int {
	start := i
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return start
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return start
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return start
		}
	}
	return i
}
