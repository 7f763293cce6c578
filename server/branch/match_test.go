package branch_test

import (
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

func FuzzMatch(f *testing.F) {
	f.Add("release/*", "release/1.0")
	f.Add("*-stable", "6-1-stable")
	f.Add("a*b*c", "aXbYc")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := branch.Match(pattern, name)
		if !strings.Contains(pattern, "*") && got != (pattern == name) {
			t.Fatalf("Match(%q, %q) = %v without a wildcard", pattern, name, got)
		}
		if pattern == "*" && !got {
			t.Fatalf("* must match %q", name)
		}
		if got && !strings.Contains(pattern, "*") && len(pattern) != len(name) {
			t.Fatalf("exact pattern %q matched %q", pattern, name)
		}
	})
}
