package validation

import (
	"strings"
	"unicode/utf8"
)

// IsURI reports whether s is what CEL's isUri() accepts on the server
// (protovalidate): an absolute URI of RFC 3986 §3,
//
//	URI       = scheme ":" hier-part [ "?" query ] [ "#" fragment ]
//	hier-part = "//" authority path-abempty / path-absolute
//	          / path-rootless / path-empty
//
// with IPv6 zone identifiers in the host as RFC 6874 spells them
// ("[fe80::1%25en0]"). Only ASCII is allowed: an IRI with raw non-ASCII
// characters is not a URI.
//
// Written from the RFCs' ABNF; the differential tests (uri_test.go and the
// fuzz targets) hold it to protovalidate's verdicts. Where protovalidate is
// stricter than the grammar, the code says so at the spot.
func IsURI(s string) bool {
	p := uriParser{s: s}
	return p.uri()
}

// uriParser is a recursive-descent parser over the ASCII bytes of s; pos
// is the next byte to read. Each production either consumes its text and
// returns true, or returns false (callers that can back off restore pos).
type uriParser struct {
	s   string
	pos int
}

func (p *uriParser) more() bool { return p.pos < len(p.s) }

// peek is the next byte, or 0 at the end (0 is in no character class).
func (p *uriParser) peek() byte {
	if p.more() {
		return p.s[p.pos]
	}
	return 0
}

// take consumes c if it is next.
func (p *uriParser) take(c byte) bool {
	if p.peek() == c && p.more() {
		p.pos++
		return true
	}
	return false
}

// uri is the URI production, anchored at both ends.
func (p *uriParser) uri() bool {
	if !p.scheme() || !p.take(':') || !p.hierPart() {
		return false
	}
	if p.take('?') && !p.queryOrFragment() {
		return false
	}
	if p.take('#') && !p.queryOrFragment() {
		return false
	}
	return !p.more()
}

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
func (p *uriParser) scheme() bool {
	if !isAlpha(p.peek()) {
		return false
	}
	p.pos++
	for c := p.peek(); isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.'; c = p.peek() {
		p.pos++
	}
	return true
}

// hierPart: with "//", an authority then path-abempty; without, one of
// path-absolute, path-rootless or path-empty. Those three together are
// "any run of pchar and '/' that does not start with '//'", and the "//"
// case is taken first, so one loop reads them all.
func (p *uriParser) hierPart() bool {
	if len(p.s)-p.pos >= 2 && p.s[p.pos] == '/' && p.s[p.pos+1] == '/' {
		p.pos += 2
		if !p.authority() {
			return false
		}
	}
	return p.path()
}

// path = *( pchar / "/" ), up to "?", "#" or the end.
func (p *uriParser) path() bool {
	for p.more() {
		switch c := p.peek(); {
		case c == '?' || c == '#':
			return true
		case c == '/':
			p.pos++
		case !p.pchar():
			return false
		}
	}
	return true
}

// query = fragment = *( pchar / "/" / "?" ), up to "#" (query) or the end.
func (p *uriParser) queryOrFragment() bool {
	for p.more() {
		switch c := p.peek(); {
		case c == '#':
			return true
		case c == '/' || c == '?':
			p.pos++
		case !p.pchar():
			return false
		}
	}
	return true
}

// pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
func (p *uriParser) pchar() bool {
	c := p.peek()
	if isUnreserved(c) || isSubDelim(c) || c == ':' || c == '@' {
		p.pos++
		return true
	}
	return p.pctEncoded()
}

// pct-encoded = "%" HEXDIG HEXDIG
func (p *uriParser) pctEncoded() bool {
	if len(p.s)-p.pos >= 3 && p.s[p.pos] == '%' && isHex(p.s[p.pos+1]) && isHex(p.s[p.pos+2]) {
		p.pos += 3
		return true
	}
	return false
}

// authority = [ userinfo "@" ] host [ ":" port ]
//
// It ends at the first "/", "?", "#" or the end: none of them can occur in
// userinfo, host or port. userinfo cannot hold "@", so the first "@" ends
// it; reg-name cannot hold ":", so the first ":" after a reg-name starts the
// port.
func (p *uriParser) authority() bool {
	if start := p.pos; !p.userinfo() || !p.take('@') {
		p.pos = start // no userinfo: read it all again as the host
	}
	if !p.host() {
		return false
	}
	if p.take(':') {
		p.port()
	}
	if !p.more() {
		return true
	}
	c := p.peek()
	return c == '/' || c == '?' || c == '#'
}

// userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
func (p *uriParser) userinfo() bool {
	for p.more() {
		c := p.peek()
		switch {
		case isUnreserved(c) || isSubDelim(c) || c == ':':
			p.pos++
		case c == '%':
			if !p.pctEncoded() {
				return false
			}
		default:
			return true
		}
	}
	return true
}

// port = *DIGIT, of any length: RFC 3986 sets no range.
func (p *uriParser) port() {
	for isDigit(p.peek()) {
		p.pos++
	}
}

// host = IP-literal / IPv4address / reg-name
//
// Every IPv4address is also a reg-name (digits and dots), and a reg-name may
// be empty, so outside brackets only reg-name needs reading.
func (p *uriParser) host() bool {
	if p.peek() == '[' {
		return p.ipLiteral()
	}
	return p.regName()
}

// reg-name = *( unreserved / pct-encoded / sub-delims )
//
// protovalidate is stricter than the grammar here: the percent-encoded
// octets of a reg-name must decode to valid UTF-8 (RFC 3986 §3.2.2 says
// non-ASCII names should be UTF-8 encoded; protovalidate requires it), so
// "http://%c3%a9/" is a URI and "http://%ff/" is not.
func (p *uriParser) regName() bool {
	var decoded []byte
	for p.more() {
		c := p.peek()
		switch {
		case isUnreserved(c) || isSubDelim(c):
			decoded = append(decoded, c)
			p.pos++
		case c == '%':
			if !p.pctEncoded() {
				return false
			}
			decoded = append(decoded, unhex(p.s[p.pos-2])<<4|unhex(p.s[p.pos-1]))
		default:
			return utf8.Valid(decoded)
		}
	}
	return utf8.Valid(decoded)
}

// IP-literal = "[" ( IPv6address / IPv6addrz / IPvFuture ) "]"
// IPv6addrz  = IPv6address "%25" ZoneID            (RFC 6874)
func (p *uriParser) ipLiteral() bool {
	if !p.take('[') {
		return false
	}
	end := p.pos
	for end < len(p.s) && p.s[end] != ']' {
		end++
	}
	if end == len(p.s) {
		return false
	}
	inside := p.s[p.pos:end]
	p.pos = end + 1
	if firstByte(inside) == 'v' {
		return isIPvFuture(inside)
	}
	addr, zone, hasZone := strings.Cut(inside, "%25")
	if hasZone && !isZoneID(zone) {
		return false
	}
	return isIPv6(addr)
}

// isIPv6 reports whether s is an IPv6address of RFC 3986 §3.2.2 (the text
// form of RFC 4291 §2.2), written in hex only:
//
//	IPv6address =                            6( h16 ":" ) ls32
//	            /                       "::" 5( h16 ":" ) ls32
//	            / [               h16 ] "::" 4( h16 ":" ) ls32
//	            / [ *1( h16 ":" ) h16 ] "::" 3( h16 ":" ) ls32
//	            / [ *2( h16 ":" ) h16 ] "::" 2( h16 ":" ) ls32
//	            / [ *3( h16 ":" ) h16 ] "::"    h16 ":"   ls32
//	            / [ *4( h16 ":" ) h16 ] "::"              ls32
//	            / [ *5( h16 ":" ) h16 ] "::"              h16
//	            / [ *6( h16 ":" ) h16 ] "::"
//	ls32        = ( h16 ":" h16 ) / IPv4address
//	h16         = 1*4HEXDIG
//
// The nine alternatives say one thing: the address is 8 groups of 16 bits;
// "::" appears at most once and stands for one or more zero groups. So:
// split at "::", count the groups on both sides, and require exactly 8
// without "::", at most 7 with it.
//
// ls32's IPv4address alternative is left out on purpose: protovalidate
// refuses an address whose last 32 bits are dotted decimal
// ("[::ffff:1.2.3.4]", "[1:2:3:4:5:6:1.2.3.4]"), which RFC 3986 allows,
// and the server's verdict is the one to give. "[::ffff:102:304]", the
// same address in hex, is a URI to both.
func isIPv6(s string) bool {
	head, tail, elided := strings.Cut(s, "::")
	if !elided {
		n, ok := h16Groups(s)
		return ok && n == 8
	}
	nHead, okHead := h16Groups(head)
	nTail, okTail := h16Groups(tail) // a second "::" leaves an empty group: not ok
	return okHead && okTail && nHead+nTail <= 7
}

// h16Groups counts the h16 of a ":"-separated run (the empty run has none).
func h16Groups(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	n := 0
	for _, group := range strings.Split(s, ":") {
		if !isH16(group) {
			return 0, false
		}
		n++
	}
	return n, true
}

// h16 = 1*4HEXDIG
func isH16(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
//
// In ABNF a quoted "v" matches "V" too; protovalidate takes only the
// lower-case "v" ("[V7.x]" is not a URI to it), and so does ipLiteral.
func isIPvFuture(s string) bool {
	i := 1
	for i < len(s) && isHex(s[i]) {
		i++
	}
	if i == 1 || i == len(s) || s[i] != '.' {
		return false
	}
	i++
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		if c := s[i]; !isUnreserved(c) && !isSubDelim(c) && c != ':' {
			return false
		}
	}
	return true
}

// ZoneID = 1*( unreserved / pct-encoded )
//
// As in a reg-name, protovalidate requires the zone id's octets to decode to
// valid UTF-8 ("%25%c3%a9" is a zone id, "%25%ff" is not).
func isZoneID(s string) bool {
	if s == "" {
		return false
	}
	decoded := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isUnreserved(c):
			decoded = append(decoded, c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			decoded = append(decoded, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			return false
		}
	}
	return utf8.Valid(decoded)
}

// Character classes of RFC 3986 §2 and RFC 5234's core rules.

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
func isUnreserved(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
func isSubDelim(c byte) bool {
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=':
		return true
	}
	return false
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}
