// Package buildinfo says which build of Signalbox is running, from what
// the Go toolchain stamped into the binary (runtime/debug.ReadBuildInfo):
// the module version and the VCS revision. The REST door's /version and
// /metadata and the command line's --version read it here, so they agree.
// It knows nothing of how either shows it.
package buildinfo

import (
	"runtime/debug"
)

// Info is one build's identity.
type Info struct {
	// Version is the main module's version ("v1.2.3"), or "devel" for a
	// build from a work tree (go build, go run).
	Version string
	// Revision is the VCS commit the build is from, shortened to 12
	// characters, with "-dirty" when the work tree had changes; "" when the
	// build carries no VCS stamp (go test, go run).
	Revision string
	// GoVersion is the toolchain that built it.
	GoVersion string
}

// revisionLength is how much of a commit id Revision keeps: unique in any
// repository of this size, and as GitLab shows its own revision, short.
const revisionLength = 12

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "devel"}
	}
	return fromBuildInfo(bi)
}

func fromBuildInfo(bi *debug.BuildInfo) Info {
	out := Info{Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if out.Version == "" || out.Version == "(devel)" {
		out.Version = "devel"
	}
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			out.Revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(out.Revision) > revisionLength {
		out.Revision = out.Revision[:revisionLength]
	}
	if dirty && out.Revision != "" {
		out.Revision += "-dirty"
	}
	return out
}
