package branch_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/signalbox/signalbox/server/branch"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, branch string
		want            bool
	}{
		{"main", "main", true},
		{"main", "main2", false},
		{"main", "Main", false},         // names are case-sensitive, as in git
		{"release-main", "main", false}, // GitLab once matched substrings; we never do
		{"main", "release-main", false},
		{"release/*", "release/1.0", true},
		{"release/*", "release/1.0/hotfix", true}, // "*" crosses "/"
		{"release/*", "release/", true},
		{"release/*", "release", false},
		{"*", "anything/at/all", true},
		{"*-stable", "6-1-stable", true},
		{"*-stable", "6-1-stable-x", false},
		{"feat*/x*y", "feature/xzy", true},
		{"feat*/x*y", "feature/xz", false},
		{"a*a*a*a*b", strings.Repeat("a", 40), false}, // no exponential backtracking
		{"", "", true},
		{"", "main", false},
	}
	for _, tt := range tests {
		if got := branch.Match(tt.pattern, tt.branch); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.branch, got, tt.want)
		}
	}
}

// FuzzMatch checks Match against an independent reference: a regular
// expression in which each "*" is ".*" and everything else is literal.
// Match works on bytes and regexp on UTF-8, so both strings are first
// spelled one rune per byte (Latin-1), which keeps any byte sequence, valid
// UTF-8 or not, comparable.
func FuzzMatch(f *testing.F) {
	f.Add("release/*", "release/1.0")
	f.Add("release/*", "release/1.0/hotfix")
	f.Add("*-stable", "6-1-stable")
	f.Add("a*b*c", "aXbYc")
	f.Add("feat*/x*y", "feature/xz")
	f.Add("a*a*a*a*b", strings.Repeat("a", 40))
	f.Add("main", "main")
	f.Add("", "main")
	f.Add("r*[.]?(+)$^|\\", "r[.]?(+)$^|\\")
	f.Add("caf\u00e9/*", "caf\u00e9/\xff\n")
	f.Add("**", "")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := branch.Match(pattern, name)
		// The reference is quadratic in the number of stars, and git and
		// GitLab keep names far shorter than this.
		if len(pattern)+len(name) <= 512 {
			if want := referenceMatch(pattern, name); got != want {
				t.Fatalf("Match(%q, %q) = %v, reference says %v", pattern, name, got, want)
			}
		}
		if !strings.Contains(pattern, "*") && got != (pattern == name) {
			t.Fatalf("Match(%q, %q) = %v without a wildcard", pattern, name, got)
		}
		if pattern == "*" && !got {
			t.Fatalf("* must match %q", name)
		}
	})
}

// referenceMatch is Match written the obvious way, with regexp.
func referenceMatch(pattern, name string) bool {
	parts := strings.Split(latin1(pattern), "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	// (?s): "*" crosses every byte, newlines included.
	return regexp.MustCompile(`(?s)\A` + strings.Join(parts, ".*") + `\z`).MatchString(latin1(name))
}

// latin1 spells each byte of s as the rune of the same number.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := range len(s) {
		r[i] = rune(s[i])
	}
	return string(r)
}
