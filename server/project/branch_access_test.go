package project_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/project"
)

// protection is a protected branch with push and merge levels.
func protection(name string, push, merge auth.Level, allowForcePush bool) *storagev1.ProtectedBranch {
	return &storagev1.ProtectedBranch{
		Name:           name,
		Push:           &storagev1.AccessLevel{Level: int32(push)},
		Merge:          &storagev1.AccessLevel{Level: int32(merge)},
		AllowForcePush: allowForcePush,
	}
}

// want is what the rules say of one caller and one branch.
type want struct {
	protected, push, forcePush, merge, developersCanPush, developersCanMerge bool
}

func TestBranchRules(t *testing.T) {
	t.Parallel()
	const (
		none  = auth.NoAccess
		rep   = auth.Reporter
		dev   = auth.Developer
		maint = auth.Maintainer
		owner = auth.Owner
		admin = auth.Admin
	)
	defaultMain := protection("main", maint, maint, false)
	for _, tt := range []struct {
		name        string
		protections []*storagev1.ProtectedBranch
		level       auth.Level
		branch      string
		want        want
	}{
		// Unprotected: Developers and above push, merge and rewrite;
		// developers_can_* is false, as GitLab reports for an
		// unprotected branch.
		{"unprotected, developer", nil, dev, "main", want{push: true, forcePush: true, merge: true}},
		{"unprotected, reporter", nil, rep, "main", want{forcePush: true}},
		{"unprotected, anonymous", nil, none, "main", want{forcePush: true}},
		{"other branch protected", []*storagev1.ProtectedBranch{defaultMain}, dev, "feature", want{push: true, forcePush: true, merge: true}},

		// A protection with the defaults: Maintainers push and merge, no
		// force push.
		{"default, developer", []*storagev1.ProtectedBranch{defaultMain}, dev, "main", want{protected: true}},
		{"default, maintainer", []*storagev1.ProtectedBranch{defaultMain}, maint, "main", want{protected: true, push: true, merge: true}},
		{"default, owner", []*storagev1.ProtectedBranch{defaultMain}, owner, "main", want{protected: true, push: true, merge: true}},
		{"default, admin", []*storagev1.ProtectedBranch{defaultMain}, admin, "main", want{protected: true, push: true, merge: true}},
		{"no level stored means maintainers", []*storagev1.ProtectedBranch{{Name: "main"}}, dev, "main", want{protected: true}},

		// Developers: pushing implies merging (can_be_merged_by is push OR
		// merge), not the other way round.
		{"developers push", []*storagev1.ProtectedBranch{protection("main", dev, maint, false)}, dev, "main",
			want{protected: true, push: true, merge: true, developersCanPush: true}},
		{"developers merge", []*storagev1.ProtectedBranch{protection("main", maint, dev, false)}, dev, "main",
			want{protected: true, merge: true, developersCanMerge: true}},
		{"developers push, reporter", []*storagev1.ProtectedBranch{protection("main", dev, dev, false)}, rep, "main",
			want{protected: true, developersCanPush: true, developersCanMerge: true}},

		// No one means no one, administrators included.
		{"no one pushes, maintainer", []*storagev1.ProtectedBranch{protection("main", none, maint, false)}, maint, "main", want{protected: true, merge: true}},
		{"no one pushes, admin", []*storagev1.ProtectedBranch{protection("main", none, maint, false)}, admin, "main", want{protected: true, merge: true}},
		{"no one at all, admin", []*storagev1.ProtectedBranch{protection("main", none, none, false)}, admin, "main", want{protected: true}},
		{"admins only, owner", []*storagev1.ProtectedBranch{protection("main", admin, admin, false)}, owner, "main", want{protected: true}},
		{"admins only, admin", []*storagev1.ProtectedBranch{protection("main", admin, admin, false)}, admin, "main", want{protected: true, push: true, merge: true}},

		// Force push, allowed by the protection; pushing still needs the
		// push level.
		{"force push allowed, maintainer", []*storagev1.ProtectedBranch{protection("main", maint, maint, true)}, maint, "main",
			want{protected: true, push: true, forcePush: true, merge: true}},
		{"force push allowed, developer", []*storagev1.ProtectedBranch{protection("main", maint, maint, true)}, dev, "main",
			want{protected: true, forcePush: true}},

		// Wildcards: "*" matches any run of characters, "/" included.
		{"wildcard", []*storagev1.ProtectedBranch{protection("release/*", maint, maint, false)}, dev, "release/1.0", want{protected: true}},
		{"wildcard, deeper", []*storagev1.ProtectedBranch{protection("release/*", maint, maint, false)}, dev, "release/1.0/hotfix", want{protected: true}},
		{"wildcard, not the prefix itself", []*storagev1.ProtectedBranch{protection("release/*", maint, maint, false)}, dev, "release",
			want{push: true, forcePush: true, merge: true}},

		// Several protections cover a branch: the most permissive wins,
		// and an exact name does not override a wildcard.
		{"several, the permissive one matches", []*storagev1.ProtectedBranch{protection("release/*", maint, maint, false), protection("release/1.0", dev, dev, false)},
			dev, "release/1.0", want{protected: true, push: true, merge: true, developersCanPush: true, developersCanMerge: true}},
		{"several, only the strict one matches", []*storagev1.ProtectedBranch{protection("release/*", maint, maint, false), protection("release/1.0", dev, dev, false)},
			dev, "release/2.0", want{protected: true}},
		{"exact no one, wildcard developers", []*storagev1.ProtectedBranch{protection("main", none, none, false), protection("m*", dev, dev, false)},
			dev, "main", want{protected: true, push: true, merge: true, developersCanPush: true, developersCanMerge: true}},
		{"merge from one, push from none", []*storagev1.ProtectedBranch{protection("main", none, maint, false), protection("ma*", none, dev, false)},
			dev, "main", want{protected: true, merge: true, developersCanMerge: true}},
		// GitLab's documented example: v1.x allows force push, v1.* and
		// v* do not; v1.x may be rewritten, v1.y may not.
		{"force push, most permissive", []*storagev1.ProtectedBranch{protection("v1.x", maint, maint, true), protection("v1.*", maint, maint, false), protection("v*", maint, maint, false)},
			maint, "v1.x", want{protected: true, push: true, forcePush: true, merge: true}},
		{"force push, none allows", []*storagev1.ProtectedBranch{protection("v1.x", maint, maint, true), protection("v1.*", maint, maint, false), protection("v*", maint, maint, false)},
			maint, "v1.y", want{protected: true, push: true, merge: true}},
	} {
		rules := project.NewBranchRules(tt.protections)
		got := want{
			protected:          rules.Protected(tt.branch),
			push:               rules.CanPush(tt.level, tt.branch),
			forcePush:          rules.AllowsForcePush(tt.branch),
			merge:              rules.CanMerge(tt.level, tt.branch),
			developersCanPush:  rules.DevelopersCanPush(tt.branch),
			developersCanMerge: rules.DevelopersCanMerge(tt.branch),
		}
		require.Equal(t, tt.want, got, tt.name)
		require.Equal(t, got.protected, project.Protects(tt.protections, tt.branch), tt.name)
	}
}

// Whatever the protections, pushing and merging need a Developer at least,
// and a caller with more access may do whatever one with less may.
func TestBranchRulesAreMonotonic(t *testing.T) {
	t.Parallel()
	levels := []auth.Level{auth.NoAccess, auth.Guest, auth.Reporter, auth.Developer, auth.Maintainer, auth.Owner, auth.Admin}
	rules := []auth.Level{auth.NoAccess, auth.Developer, auth.Maintainer, auth.Admin}
	for _, push := range rules {
		for _, merge := range rules {
			r := project.NewBranchRules([]*storagev1.ProtectedBranch{protection("main", push, merge, false)})
			for i, level := range levels {
				name := fmt.Sprintf("push %d, merge %d, level %d", push, merge, level)
				if level < auth.Developer {
					require.False(t, r.CanPush(level, "main"), name)
					require.False(t, r.CanMerge(level, "main"), name)
				}
				if r.CanPush(level, "main") {
					require.True(t, r.CanMerge(level, "main"), "who may push may merge: %s", name)
				}
				if i > 0 {
					lower := levels[i-1]
					require.False(t, r.CanPush(lower, "main") && !r.CanPush(level, "main"), name)
					require.False(t, r.CanMerge(lower, "main") && !r.CanMerge(level, "main"), name)
				}
			}
		}
	}
}
