// Package branch decides which branches a protected-branch name covers. It is
// the only matcher: listing a merge request's checks, dispatching to them and
// deciding mergeability all call Match, so they can never disagree.
package branch

// Match reports whether branch is covered by pattern. A pattern without "*"
// must equal the branch exactly. In a pattern with "*", each "*" matches any
// run of characters, "/" included, as GitLab's wildcard protected branches
// do ("release/*" covers "release/1.0" and "release/1.0/hotfix").
func Match(pattern, branch string) bool {
	// Iterative glob with backtracking to the last star: linear in practice
	// and never exponential, whatever the pattern.
	p, b := 0, 0
	star, mark := -1, 0
	for b < len(branch) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, b
			p++
		case p < len(pattern) && pattern[p] == branch[b]:
			p++
			b++
		case star >= 0:
			p = star + 1
			mark++
			b = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
