//go:build unix

package githttp

import (
	"os/exec"
	"syscall"
)

// inProcessGroup starts cmd as the leader of a process group of its own,
// and makes cancelling it kill the whole group: http-backend runs
// upload-pack or receive-pack, which run pack-objects or index-pack, and
// killing http-backend alone would leave them running.
func inProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
