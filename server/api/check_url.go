package api

import (
	"strings"

	"github.com/signalbox/signalbox/server/auth"
)

// shownCheckURL is the one rule for showing a status check's URL anywhere
// but in the check's own settings, whichever door asks: developers and above
// see it without userinfo, query string and fragment, because those are
// where credentials go (https://user:pass@host/?token=...); anyone else sees
// nothing. It is GitLab's rule for the merge request's checks (E5: query
// string stripped for developers, "" for reporters), extended to userinfo,
// and applied as well to the check nested in a status check response and to
// watch streams. The settings (list, create and update, maintainers only)
// show the URL as configured, since that is where it is edited.
func shownCheckURL(level auth.Level, raw string) string {
	if level < auth.Developer {
		return ""
	}
	u, _, _ := strings.Cut(raw, "?")
	u, _, _ = strings.Cut(u, "#")
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		// Check URLs are validated as absolute http(s) URLs; anything else
		// is not shown rather than shown whole.
		return ""
	}
	authority, path, hasPath := strings.Cut(rest, "/")
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		// No userinfo: what is left is shown as it is, without a copy
		// (every E5 answer shows every check's URL).
		return u
	}
	authority = authority[at+1:]
	out := scheme + "://" + authority
	if hasPath {
		out += "/" + path
	}
	return out
}
