package gitrepo

import (
	"strings"
)

// Trailer is one "Key: value" line of a message's trailer block.
type Trailer struct {
	Key, Value string
}

// Trailers parses the trailer block of a commit message: its last
// paragraph, when that is not the title's and every line of it is a
// "Key: value" trailer or the indented continuation of one (folded into
// its value with a space). It is git interpret-trailers' rule without the
// 25% leniency for blocks that mix in other lines.
func Trailers(message string) []Trailer {
	msg := strings.TrimRight(strings.ReplaceAll(message, "\r\n", "\n"), "\n \t")
	cut := strings.LastIndex(msg, "\n\n")
	if cut < 0 || strings.TrimSpace(msg[:cut]) == "" {
		return nil // the only paragraph is the title
	}
	var out []Trailer
	for line := range strings.SplitSeq(msg[cut+2:], "\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if len(out) == 0 {
				return nil
			}
			out[len(out)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok || !isTrailerKey(key) {
			return nil
		}
		out = append(out, Trailer{Key: key, Value: strings.TrimSpace(value)})
	}
	return out
}

// isTrailerKey is git's token: letters, digits and dashes, no spaces.
func isTrailerKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
