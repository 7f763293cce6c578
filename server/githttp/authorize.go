package githttp

import (
	"fmt"
	"strings"
)

// authorizePush decides whether every requested update may happen, before
// git sees any of it. It returns "" when all may, else the message for the
// first refused one, naming the ref. The caller has already checked
// Access.Push.
func authorizePush(repo Repository, access Access, updates []RefUpdate) string {
	for _, u := range updates {
		if strings.HasPrefix(u.Ref, "refs/tags/") {
			continue // tags are a developer's, as on GitLab without protected tags
		}
		branch, ok := u.Branch()
		if !ok {
			// refs/merge-requests/*, refs/pipelines/* and the like are
			// written by the server only.
			return fmt.Sprintf("You are not allowed to push to %s: only branches (refs/heads/) and tags (refs/tags/) can be pushed.", u.Ref)
		}
		if u.Deleted() && branch == repo.DefaultBranch {
			return fmt.Sprintf("The default branch of a project cannot be deleted: '%s'.", branch)
		}
		if u.Deleted() {
			if access.protected(branch) {
				return fmt.Sprintf("You can only delete protected branches using the web interface or the API: '%s'.", branch)
			}
			continue
		}
		if !access.canPushBranch(branch) {
			return fmt.Sprintf("You are not allowed to push code to protected branch '%s' on this project.", branch)
		}
	}
	return ""
}
