package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/signalbox/signalbox"

// listed is what go list says of a package.
type listed struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

// packages lists the module's packages, tests left out.
func packages(t *testing.T) []listed {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	require.NoError(t, err)
	var pkgs []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

// TestLayout keeps the boundaries the merge train's one-writer rule rests
// on, and those of the doors, when nobody is looking:
//   - the scheduler (server/train) is driven only by the train's owner
//     (server/mergetrain) and its simulator;
//   - only server/mergetrain changes trains: no other package calls
//     Trains() on the store, apart from the store itself;
//   - the GitLab door (server/rest) imports nothing of the module but the
//     generated API.
func TestLayout(t *testing.T) {
	t.Parallel()
	for _, p := range packages(t) {
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		for _, imp := range p.Imports {
			if imp == module+"/server/train" {
				require.Contains(t, []string{"server/mergetrain", "server/trainsim"}, rel, "%s imports the scheduler", rel)
			}
			if rel == "server/rest" && strings.HasPrefix(imp, module+"/") {
				require.True(t, strings.HasPrefix(imp, module+"/gen/"), "server/rest imports %s; it may import only the generated API", imp)
			}
		}
		if rel == "server/mergetrain" || strings.HasPrefix(rel, "server/store") {
			continue
		}
		for _, f := range p.GoFiles {
			for _, at := range trainsCalls(t, filepath.Join(p.Dir, f)) {
				require.Failf(t, "a second writer of trains", "%s calls Trains() at %s: only server/mergetrain changes trains", rel, at)
			}
		}
	}
}

// trainsCalls finds the calls of a method named Trains in a file.
func trainsCalls(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	require.NoError(t, err)
	var at []string
	ast.Inspect(f, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Trains" && len(call.Args) == 0 {
				at = append(at, fset.Position(call.Pos()).String())
			}
		}
		return true
	})
	return slices.Clip(at)
}
