//go:build !unix

package githttp

import "os/exec"

// inProcessGroup leaves cmd as it is: without process groups, cancelling
// kills http-backend alone, and its children end when their pipes close.
func inProcessGroup(*exec.Cmd) {}
