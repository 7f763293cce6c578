package auth

// Level is a GitLab access level.
type Level int32

// GitLab's access levels. Admin is what an instance administrator has in
// every project.
const (
	NoAccess      Level = 0
	MinimalAccess Level = 5
	Guest         Level = 10
	Reporter      Level = 20
	Developer     Level = 30
	Maintainer    Level = 40
	Owner         Level = 50
	Admin         Level = 60
)

// ValidMemberLevel reports whether l may be given to a project member.
func ValidMemberLevel(l Level) bool {
	switch l {
	case MinimalAccess, Guest, Reporter, Developer, Maintainer, Owner:
		return true
	}
	return false
}
