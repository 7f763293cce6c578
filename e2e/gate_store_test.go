package e2e_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/e2e/harness"
)

// TestEmbeddedStoreIsOwnerOnly: the data directory already exists and is
// open to everyone, as an operator's directory may be. The embedded store's
// database, and the files SQLite keeps beside it, are created readable by
// the server's user alone; a database an older version left readable is
// closed up at the next start.
func TestEmbeddedStoreIsOwnerOnly(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	require.NoError(t, os.Chmod(dataDir, 0o755))
	srv := harness.Start(t, binary, nil, "--data-dir", dataDir, "--root-token", rootToken)
	status, _, err := newRootClient(srv.URL).do(callCtx(t), "POST", "/api/v4/projects", map[string]any{"path": "p"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status)
	requireOwnerOnly := func() {
		t.Helper()
		files, err := filepath.Glob(filepath.Join(dataDir, "signalbox.db*"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			info, err := os.Stat(f)
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), f)
		}
	}
	requireOwnerOnly()
	require.NoError(t, srv.Stop(15*time.Second))

	require.NoError(t, os.Chmod(filepath.Join(dataDir, "signalbox.db"), 0o644))
	again := harness.Start(t, binary, nil, "--data-dir", dataDir, "--root-token", rootToken)
	requireOwnerOnly()
	require.NoError(t, again.Stop(15*time.Second))
}
