// Package githttp serves project repositories over git's smart HTTP
// protocol at /<namespace>/<project>.git, through "git http-backend" run as
// a CGI program.
//
// It owns the door: basic authentication with a personal access token as
// the password, the read and push checks, branch protection (decided from
// the command list at the start of a push, before git receives anything),
// and telling a PushListener what was pushed. Who may do what is the
// Resolver's answer; githttp knows no users, projects or stores.
package githttp
