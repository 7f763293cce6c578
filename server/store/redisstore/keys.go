package redisstore

import (
	"strconv"
	"strings"

	"github.com/signalbox/signalbox/server/store"
)

// keys names every key. Keys of one project share the hash tag {p:<id>} and
// keys of users share {users}, so each MULTI touches one slot and still works
// on Redis Cluster. Global indexes are written outside transactions.
type keys struct {
	prefix string
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func (k keys) seq(kind string) string { return k.prefix + "seq:" + kind }

func (k keys) user(uid int64) string       { return k.prefix + "{users}:user:" + id(uid) }
func (k keys) usernames() string           { return k.prefix + "{users}:usernames" }
func (k keys) emails() string              { return k.prefix + "{users}:emails" }
func (k keys) token(hash string) string    { return k.prefix + "{users}:token:" + hash }
func (k keys) userTokens(uid int64) string { return k.prefix + "{users}:user:" + id(uid) + ":tokens" }
func (k keys) userProjects(uid int64) string {
	return k.prefix + "{users}:user:" + id(uid) + ":projects"
}

func (k keys) projectTag(pid int64) string { return k.prefix + "{p:" + id(pid) + "}:" }
func (k keys) project(pid int64) string    { return k.projectTag(pid) + "project" }
func (k keys) projectPaths() string        { return k.prefix + "projects:paths" }
func (k keys) projectNames() string        { return k.prefix + "projects:names" }
func (k keys) projectIDs() string          { return k.prefix + "projects:ids" }
func (k keys) members(pid int64) string    { return k.projectTag(pid) + "members" }

// settledDefaultBranch is the default branch a project's first push chose
// (Projects.SettleDefaultBranch), written once with SET NX.
func (k keys) settledDefaultBranch(pid int64) string {
	return k.projectTag(pid) + "default_branch"
}

func (k keys) protectedBranches(pid int64) string { return k.projectTag(pid) + "protected_branches" }
func (k keys) protectedBranchNames(pid int64) string {
	return k.projectTag(pid) + "protected_branches:names"
}
func (k keys) protectedBranchProjects() string { return k.prefix + "protected_branches:project" }

func (k keys) checks(pid int64) string     { return k.projectTag(pid) + "checks" }
func (k keys) checkNames(pid int64) string { return k.projectTag(pid) + "checks:names" }
func (k keys) checkURLs(pid int64) string  { return k.projectTag(pid) + "checks:urls" }

// fold lower-cases a value whose uniqueness ignores case.
func fold(s string) string { return strings.ToLower(s) }

func (k keys) mergeRequests(pid int64) string { return k.projectTag(pid) + "merge_requests" }
func (k keys) mergeRequestsArmed(pid int64) string {
	return k.projectTag(pid) + "merge_requests:armed"
}
func (k keys) mergeRequestIIDs(pid int64) string {
	return k.projectTag(pid) + "merge_requests:iid"
}
func (k keys) responses(pid, iid int64) string {
	return k.projectTag(pid) + "responses:" + id(iid)
}
func (k keys) responsesDue() string           { return k.prefix + "responses:due" }
func (k keys) delivery(pid, did int64) string { return k.projectTag(pid) + "delivery:" + id(did) }
func (k keys) deliveryLog(pid, cid int64) string {
	return k.projectTag(pid) + "check:" + id(cid) + ":deliveries"
}
func (k keys) deliveriesDue() string    { return k.prefix + "deliveries:due" }
func (k keys) lease(name string) string { return k.prefix + "lease:" + name }

func (k keys) trains(pid int64) string { return k.projectTag(pid) + "trains" }
func (k keys) train(t store.TrainRef) string {
	return k.projectTag(t.ProjectID) + "train:" + branchKey(t.Branch)
}
func (k keys) trainVersion(t store.TrainRef, n int64) string { return k.train(t) + ":v:" + id(n) }
func (k keys) trainVersions(t store.TrainRef) string         { return k.train(t) + ":versions" }
func (k keys) trainCommands(t store.TrainRef) string         { return k.train(t) + ":commands" }
func (k keys) carArchive(pid int64) string                   { return k.projectTag(pid) + "cars:archive" }

// legacyCars and legacyCarsByMR held cars before trains had records.
func (k keys) legacyCars(pid int64) string     { return k.projectTag(pid) + "cars" }
func (k keys) legacyCarsByMR(pid int64) string { return k.projectTag(pid) + "cars:by_mr" }
func (k keys) news(pid int64) string           { return k.projectTag(pid) + "news" }

// trainsDirty is global, so it is written just after a project's
// transaction, which increments the project's news counter in its own slot
// (see slots.go).
func (k keys) trainsDirty() string { return k.prefix + "trains:dirty" }

func (k keys) pipelines(pid int64) string    { return k.projectTag(pid) + "pipelines" }
func (k keys) pipelineIIDs(pid int64) string { return k.projectTag(pid) + "pipelines:iid" }
func (k keys) pipelinesBySHA(pid int64, sha string) string {
	return k.projectTag(pid) + "pipelines:sha:" + sha
}
func (k keys) statuses(pid, pipelineID int64) string {
	return k.projectTag(pid) + "pipeline:" + id(pipelineID) + ":statuses"
}
func (k keys) hooks(pid int64) string { return k.projectTag(pid) + "hooks" }

// legacyNotes is the list notes were kept in before they had keys.
func (k keys) legacyNotes(pid, iid int64) string {
	return k.projectTag(pid) + "merge_request:" + id(iid) + ":notes"
}
func (k keys) notes(pid, iid int64) string {
	return k.projectTag(pid) + "merge_request:" + id(iid) + ":note_records"
}
func (k keys) noteKeys(pid, iid int64) string {
	return k.projectTag(pid) + "merge_request:" + id(iid) + ":note_keys"
}
