package buildinfo_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/buildinfo"
)

func TestRead(t *testing.T) {
	t.Parallel()
	info := buildinfo.Read()
	require.Equal(t, runtime.Version(), info.GoVersion)
	require.NotEmpty(t, info.Version)
}

func TestString(t *testing.T) {
	t.Parallel()
	info := buildinfo.Info{Version: "v1.2.3", Revision: "0123456789abcdef", Time: "2026-12-02T06:00:00Z", Modified: true, GoVersion: "go1.26.8"}
	require.Equal(t, "signalbox v1.2.3 (revision 0123456789abcdef, modified, 2026-12-02T06:00:00Z) go1.26.8", info.String())
	require.Equal(t, "0123456789a", info.ShortRevision())
	require.Equal(t, "signalbox (devel) go1.26.8", buildinfo.Info{Version: "(devel)", GoVersion: "go1.26.8"}.String())
}
