// Package gitrepo runs the git binary safely and offers the repository
// operations Signalbox needs: creating bare repositories, reading refs and
// commits, building merge commits with "git merge-tree --write-tree" and
// "git commit-tree", and moving refs with compare-and-swap.
//
// Every command line is built by Command, which keeps values from users
// from being read as options, and runs with a hardened environment and a
// timeout. The package knows nothing of projects, users or permissions;
// serving repositories over HTTP is githttp's job, and deciding what to
// merge is the domain's.
package gitrepo
