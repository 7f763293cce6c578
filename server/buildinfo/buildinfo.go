// Package buildinfo is what the running binary knows about its own build
// (runtime/debug.ReadBuildInfo): the one source for `signalbox --version`
// and GET /api/v4/version.
package buildinfo

import (
	"fmt"
	"runtime/debug"
)

// Info describes the build.
type Info struct {
	// Version is the main module's version: a tag, a pseudo-version
	// (v0.0.0-<time>-<commit>, "+dirty" when the tree had changes) when built
	// from a git checkout, or "(devel)".
	Version string
	// Revision is the commit the binary was built from, empty when the
	// build did not record one (go test, -buildvcs=false).
	Revision string
	// Time is the commit's time, RFC 3339, or empty.
	Time string
	// Modified says the tree had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// Read returns the build information of the running binary.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "(devel)"}
	}
	info := Info{Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// ShortRevision is the revision's first 11 characters, as GitLab shows its
// own.
func (i Info) ShortRevision() string {
	if len(i.Revision) > 11 {
		return i.Revision[:11]
	}
	return i.Revision
}

// String is the line `signalbox --version` prints.
func (i Info) String() string {
	s := "signalbox " + i.Version
	if i.Revision != "" {
		s += fmt.Sprintf(" (revision %s", i.Revision)
		if i.Modified {
			s += ", modified"
		}
		if i.Time != "" {
			s += ", " + i.Time
		}
		s += ")"
	}
	return s + " " + i.GoVersion
}
