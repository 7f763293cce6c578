package gitrepo

import "regexp"

// userinfo matches the user and password part of a URL. It is compiled once
// and never changed.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@`)

// Redact masks credentials in URLs inside s ("https://user:token@host/x"
// becomes "https://<redacted>@host/x"), so that git's arguments and messages
// can be logged and returned safely.
func Redact(s string) string {
	return userinfo.ReplaceAllString(s, "${1}<redacted>@")
}

func redactAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = Redact(a)
	}
	return out
}
