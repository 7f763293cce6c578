package secret_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/secret"
)

func TestBoxSealOpen(t *testing.T) {
	t.Parallel()
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	require.NoError(t, err)

	sealed, err := box.Seal([]byte("s3cr3t"), "status_check:1")
	require.NoError(t, err)
	require.NotContains(t, string(sealed), "s3cr3t")

	plain, err := box.Open(sealed, "status_check:1")
	require.NoError(t, err)
	require.Equal(t, "s3cr3t", string(plain))

	_, err = box.Open(sealed, "status_check:2")
	require.Error(t, err, "a sealed value must not open under another record's context")

	other, err := secret.NewBox(bytes.Repeat([]byte{8}, secret.KeySize))
	require.NoError(t, err)
	_, err = other.Open(sealed, "status_check:1")
	require.Error(t, err)
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	} {
		key, err := secret.ParseKey(s)
		require.NoError(t, err, s)
		require.Equal(t, byte(31), key[31])
	}
	_, err := secret.ParseKey("too-short")
	require.ErrorContains(t, err, "32 bytes")
}

func TestLoadOrCreateKeyFileIsStableAndPrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			key, err := secret.LoadOrCreateKeyFile(dir)
			require.NoError(t, err)
			keys[i] = key
		})
	}
	wg.Wait()
	for _, k := range keys {
		require.Equal(t, keys[0], k, "concurrent starts must agree on one key")
	}
	info, err := os.Stat(filepath.Join(dir, secret.KeyFileName))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again, err := secret.LoadOrCreateKeyFile(dir)
	require.NoError(t, err)
	require.Equal(t, keys[0], again)
}
