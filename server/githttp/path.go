package githttp

import "strings"

// The smart HTTP endpoints under a repository's URL.
const (
	infoRefs    = "info/refs"
	uploadPack  = "git-upload-pack"
	receivePack = "git-receive-pack"
)

// SplitPath splits a request path such as "/root/demo.git/info/refs" into
// the project path ("root/demo") and the smart HTTP endpoint ("info/refs",
// "git-upload-pack" or "git-receive-pack"). The ".git" suffix is optional,
// as on GitLab. ok is false for any other path, so a mux can route on it.
func SplitPath(urlPath string) (projectPath, endpoint string, ok bool) {
	for _, e := range []string{infoRefs, uploadPack, receivePack} {
		rest, found := strings.CutSuffix(urlPath, "/"+e)
		if !found {
			continue
		}
		project := strings.TrimSuffix(strings.TrimPrefix(rest, "/"), ".git")
		if !validProjectPath(project) {
			return "", "", false
		}
		return project, e, true
	}
	return "", "", false
}

// validProjectPath accepts "namespace/project" and deeper group paths whose
// segments are plain names, so that no path can climb out of anything.
func validProjectPath(p string) bool {
	segments := strings.Split(p, "/")
	if len(segments) < 2 {
		return false
	}
	for _, s := range segments {
		if s == "" || s == "." || s == ".." || strings.HasPrefix(s, "-") {
			return false
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == '\\' {
				return false
			}
		}
	}
	return true
}
