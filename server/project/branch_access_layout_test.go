package project_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOnlyBranchRulesMatchBranches keeps "who may push to or merge into
// this branch" in one place: no package but project imports the
// protected-branch matcher, so no door can grow a rule of its own.
func TestOnlyBranchRulesMatchBranches(t *testing.T) {
	t.Parallel()
	const matcher = "github.com/signalbox/signalbox/server/branch"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/signalbox/signalbox/...").Output()
	require.NoError(t, err)
	var importers []string
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) > 1 && slices.Contains(fields[1:], matcher) {
			importers = append(importers, fields[0])
		}
	}
	require.Equal(t, []string{"github.com/signalbox/signalbox/server/project"}, importers,
		"decide branch access with project.BranchRules instead of matching protected branches yourself")
}
