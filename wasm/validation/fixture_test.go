package validation_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"buf.build/go/protovalidate"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/wasm/validation"
)

// The one fixture both validators run, and the artifact the server serves.
const (
	fixturePath = "../testdata/status_check_settings.json"
	runnerPath  = "../testdata/validate_fixture.mjs"
	wasmPath    = "../../server/web/static/validate.wasm.gz"
	wasmExec    = "../../server/web/static/wasm_exec.js"
)

type fixture struct {
	Type  string `json:"type"`
	Cases []struct {
		Name       string                 `json:"name"`
		Message    json.RawMessage        `json:"message"`
		Violations []validation.Violation `json:"violations"`
	} `json:"cases"`
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	raw, err := os.ReadFile(fixturePath)
	require.NoError(t, err)
	var f fixture
	require.NoError(t, json.Unmarshal(raw, &f))
	require.NotEmpty(t, f.Cases)
	return f
}

// TestFixtureServerValidator runs the fixture through the validator the
// server builds (app.New: protovalidate with StatusCheckSettings
// precompiled) on the generated Go type.
func TestFixtureServerValidator(t *testing.T) {
	t.Parallel()
	f := loadFixture(t)
	require.Equal(t, "signalbox.v1.StatusCheckSettings", f.Type)
	v, err := protovalidate.New(protovalidate.WithMessages(&signalboxv1.StatusCheckSettings{}))
	require.NoError(t, err)
	for _, c := range f.Cases {
		msg := &signalboxv1.StatusCheckSettings{}
		require.NoError(t, protojson.Unmarshal(c.Message, msg), c.Name)
		got := fromError(v.Validate(msg))
		require.Empty(t, got.Error, c.Name)
		require.Equal(t, nonNil(c.Violations), got.Violations, c.Name)
	}
}

// TestFixtureWASMValidator runs the same fixture through the WebAssembly
// artifact the server serves, under Node, and requires the very same
// violations, in the same order.
func TestFixtureWASMValidator(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("SIGNALBOX_REQUIRE_BROWSER") == "1" {
			t.Fatal("node is not installed; the WebAssembly validator runs under Node")
		}
		t.Skip("node is not installed; skipping the WebAssembly validator (install Node.js 20 to run it)")
	}
	f := loadFixture(t)
	cmd := exec.CommandContext(t.Context(), node, runnerPath, wasmPath, wasmExec, fixturePath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node %s: %s", filepath.Base(runnerPath), stderr.String())

	var out struct {
		Results []struct {
			Name       string                 `json:"name"`
			Violations []validation.Violation `json:"violations"`
			Error      string                 `json:"error"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), stdout.String())
	require.Len(t, out.Results, len(f.Cases))
	for i, c := range f.Cases {
		got := out.Results[i]
		require.Equal(t, c.Name, got.Name)
		require.Empty(t, got.Error, c.Name)
		require.Equal(t, nonNil(c.Violations), nonNil(got.Violations), c.Name)
	}
}

func nonNil(vs []validation.Violation) []validation.Violation {
	if vs == nil {
		return []validation.Violation{}
	}
	return vs
}
