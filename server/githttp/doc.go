// Package githttp serves project repositories over git's smart HTTP
// protocol at /<namespace>/<project>.git, through "git http-backend" run as
// a CGI program.
//
// It owns the door: basic authentication with a personal access token as
// the password, the read and push checks, branch protection (decided from
// the command list at the start of a push, read exactly as git reads it,
// before git receives anything), and telling a PushListener what was
// pushed. Who may do what is the Resolver's answer; githttp knows no users,
// projects or stores. It also bounds what git costs: http-backend runs in
// a process group that dies with its request, a client that stops reading
// is cut, and runs are bounded overall and per client (429 and 503 with
// Retry-After beyond).
package githttp
