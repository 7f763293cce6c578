// Package store defines what Signalbox persists and how it may be read back.
// It knows keys and atomicity, not rules: every check of permission or
// validity happens in the domain packages before a store call.
//
// The one implementation, redisstore, runs against a real Redis and against
// the embedded store; storetest holds the contract suite both must pass.
package store

import (
	"context"
	"time"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

// Store is the persistence seam, one interface per aggregate.
type Store interface {
	Users() Users
	Projects() Projects
	Members() Members
	ProtectedBranches() ProtectedBranches
	Checks() Checks
	MergeRequests() MergeRequests
	Responses() Responses
	Deliveries() Deliveries
	Leases() Leases
	Trains() Trains
	Pipelines() Pipelines
	Hooks() Hooks
	Notes() Notes
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
}

// Users stores users and their personal access tokens.
type Users interface {
	// Create gives u the next id and stores it. A used username or email gives
	// a *TakenError naming "username" and/or "email".
	Create(ctx context.Context, u *storagev1.User) (*storagev1.User, error)
	Get(ctx context.Context, id int64) (*storagev1.User, error)
	GetByUsername(ctx context.Context, username string) (*storagev1.User, error)
	// CreateToken gives t the next token id and stores it under the hash of
	// its secret.
	CreateToken(ctx context.Context, t *storagev1.Token, hash string) (*storagev1.Token, error)
	TokenByHash(ctx context.Context, hash string) (*storagev1.Token, error)
	// Tokens returns a user's tokens with their hashes, by id.
	Tokens(ctx context.Context, userID int64) ([]HashedToken, error)
	// RevokeToken marks the token with this hash revoked.
	RevokeToken(ctx context.Context, hash string) error
}

// HashedToken is a token record with the hash it is stored under.
type HashedToken struct {
	Hash  string
	Token *storagev1.Token
}

// Projects stores projects.
type Projects interface {
	// Create gives p the next id and stores it with owner as its first member.
	// A name or path already used in the namespace gives a *TakenError naming
	// "name" and/or "path".
	Create(ctx context.Context, p *storagev1.Project, owner *storagev1.Member) (*storagev1.Project, error)
	Get(ctx context.Context, id int64) (*storagev1.Project, error)
	// GetByPath finds a project by namespace/path, case-insensitively.
	GetByPath(ctx context.Context, fullPath string) (*storagev1.Project, error)
	// IDs returns every project id, ascending.
	IDs(ctx context.Context) ([]int64, error)
	// Update replaces old with updated, claiming a changed name first. The
	// path cannot change. ErrNotFound when the project is gone (deleted
	// meanwhile): an update never brings a deleted project back.
	Update(ctx context.Context, old, updated *storagev1.Project) error
	// SettleDefaultBranch records branch as the default branch chosen by the
	// first push of a project whose record says empty_repo, unless one was
	// recorded already, and returns the recorded one: of racing first pushes
	// exactly one wins and every caller learns which. From then on Get
	// reports the project with empty_repo false and that default branch,
	// even when an Update written from an older read says otherwise, until
	// an Update clears empty_repo itself.
	SettleDefaultBranch(ctx context.Context, projectID int64, branch string) (string, error)
	// MarkDeleted is the first, atomic step of deleting a project: from
	// its return Get answers ErrNotFound on every replica, and the project
	// is queued (durably) for Purge. false when it was already marked or
	// does not exist: the caller did not delete it (a queue entry it may
	// leave is purged and forgotten as any other).
	MarkDeleted(ctx context.Context, projectID int64, at time.Time) (bool, error)
	// Deleting returns the projects marked and not yet forgotten, by id.
	Deleting(ctx context.Context) ([]DeletingProject, error)
	// Purge removes every record of a marked project but its mark: its
	// keys, and its entries in the global indexes (paths, names, ids,
	// memberships, queues, deadlines, dirty marks). It is safe to repeat,
	// and removes what a writer that was in flight at MarkDeleted left.
	Purge(ctx context.Context, projectID int64) error
	// Forget removes the mark and the queue entry: deletion is complete.
	Forget(ctx context.Context, projectID int64) error
}

// DeletingProject is a project marked deleted and not purged for good yet.
type DeletingProject struct {
	ID       int64
	MarkedAt time.Time
}

// Members stores who has which role in a project.
type Members interface {
	// Add stores m; ErrExists when the user is already a member.
	Add(ctx context.Context, projectID int64, m *storagev1.Member) error
	// Update replaces an existing member; ErrNotFound when there is none.
	Update(ctx context.Context, projectID int64, m *storagev1.Member) error
	Remove(ctx context.Context, projectID, userID int64) error
	Get(ctx context.Context, projectID, userID int64) (*storagev1.Member, error)
	// List returns the members, by user id.
	List(ctx context.Context, projectID int64) ([]*storagev1.Member, error)
	// ProjectIDs returns the projects a user is a member of, ascending.
	ProjectIDs(ctx context.Context, userID int64) ([]int64, error)
}

// ProtectedBranches stores protected branch names and patterns.
type ProtectedBranches interface {
	// Create gives pb and its access levels new ids and stores it. A name the
	// project already protects gives a *TakenError naming "name".
	Create(ctx context.Context, pb *storagev1.ProtectedBranch) (*storagev1.ProtectedBranch, error)
	Get(ctx context.Context, projectID int64, name string) (*storagev1.ProtectedBranch, error)
	// GetByID finds a protected branch of any project.
	GetByID(ctx context.Context, id int64) (*storagev1.ProtectedBranch, error)
	// List returns a project's protected branches, by id.
	List(ctx context.Context, projectID int64) ([]*storagev1.ProtectedBranch, error)
	Delete(ctx context.Context, pb *storagev1.ProtectedBranch) error
}

// Checks stores external status checks. A check's name and URL are each
// unique within its project, enforced atomically.
type Checks interface {
	// Create gives c the next id and stores it. A used name or URL gives a
	// *TakenError naming "name" and/or "external_url".
	Create(ctx context.Context, c *storagev1.StatusCheck) (*storagev1.StatusCheck, error)
	// Update replaces old with updated, claiming a changed name or URL first.
	Update(ctx context.Context, old, updated *storagev1.StatusCheck) error
	Delete(ctx context.Context, c *storagev1.StatusCheck) error
	Get(ctx context.Context, projectID, id int64) (*storagev1.StatusCheck, error)
	// List returns a project's checks, by id.
	List(ctx context.Context, projectID int64) ([]*storagev1.StatusCheck, error)
}

// MergeRequests stores merge requests. Read-modify-write callers hold the
// merge request's lease (see Leases) so concurrent changes do not overwrite
// each other. Create and Update mark the project dirty (see Trains): merge
// trains and auto-merge depend on merge requests.
type MergeRequests interface {
	// Create gives mr a global id and the project's next iid, and stores it.
	Create(ctx context.Context, mr *storagev1.MergeRequest) (*storagev1.MergeRequest, error)
	Get(ctx context.Context, projectID, iid int64) (*storagev1.MergeRequest, error)
	// List returns the project's merge requests, by iid.
	List(ctx context.Context, projectID int64) ([]*storagev1.MergeRequest, error)
	Update(ctx context.Context, mr *storagev1.MergeRequest) error
	// Armed returns the iids of the merge requests set to merge, or to join
	// their train, once their checks pass (any auto-merge strategy but
	// merge_train), ascending.
	Armed(ctx context.Context, projectID int64) ([]int64, error)
}

// ResponseKey names the newest response of one check for one merge request
// head.
type ResponseKey struct {
	ProjectID       int64
	MergeRequestIID int64
	CheckID         int64
	SHA             string
}

// Responses stores the newest status check response per ResponseKey, and
// the deadlines of pending ones.
type Responses interface {
	// Put gives r the next response id and makes it the newest for its key,
	// and marks the project dirty (see Trains).
	// A pending r with a deadline is also added to the deadline index. The
	// entries of the responses it replaces stay until a sweep finds them
	// stale (see Due) and claims them.
	Put(ctx context.Context, r *storagev1.StatusCheckResponse) (*storagev1.StatusCheckResponse, error)
	// Replace overwrites the newest response of its key in place, keeping its
	// id (a retry does this), and indexes its deadline as Put does: as an
	// entry of its own, whatever entries the response had before.
	Replace(ctx context.Context, r *storagev1.StatusCheckResponse) error
	// NextIDLeased draws the next response id, as Put does, and tries to
	// take the lease name for holder, as Leases.Acquire does, in one round
	// trip: an answer needs both before it writes. The id is used up
	// whether or not the lease was taken.
	NextIDLeased(ctx context.Context, name, holder string, ttl time.Duration) (id int64, acquired bool, err error)
	// ReplaceReleasing is Replace by the holder of the lease name, which it
	// gives back with the write: the lease is deleted without being read
	// first, so only a caller that knows it still holds it may call it (one
	// within its lease's fence, see statuscheck's holdPairs). Where the
	// backend allows (not on Redis Cluster, where the lease, the project and
	// the dirty set live in different slots), the deadline entry, the
	// write, the dirty mark and the release are one transaction.
	ReplaceReleasing(ctx context.Context, r *storagev1.StatusCheckResponse, name string) error
	// Newest returns the newest response of each check for one merge request
	// head; checks without one are absent.
	Newest(ctx context.Context, projectID, iid int64, sha string, checkIDs []int64) (map[int64]*storagev1.StatusCheckResponse, error)
	// Due returns up to limit deadline entries at or before now, oldest
	// first. An entry is stale when its response is no longer the newest
	// one, or no longer pending on that deadline; callers check.
	Due(ctx context.Context, now time.Time, limit int) ([]DueResponse, error)
	// ClaimDue removes a due entry and reports whether this caller removed
	// it, so that of several sweepers exactly one handles it. It marks the
	// project dirty, as the timeout may stop a train or an auto-merge.
	ClaimDue(ctx context.Context, d DueResponse) (bool, error)
	// Dispatch writes everything one change to a merge request causes in
	// one transaction: the responses, the deliveries and the dispatched
	// head, all or nothing, so that a crash never leaves a pending response
	// without its delivery. Ids are drawn before the write (a crash wastes
	// them), and the responses' deadline entries are indexed before it, as
	// Put does: an entry whose write never landed is stale and dropped by
	// the sweep. The project's delivery queue is indexed after it (see
	// Deliveries.Repair for a crash in between).
	Dispatch(ctx context.Context, d Dispatch) error
	// DispatchedHeads returns, per merge request iid of the project, the
	// head sha the last Dispatch with a Head recorded.
	DispatchedHeads(ctx context.Context, projectID int64) (map[int64]string, error)
	// CarAsks returns the project's recorded asks about merge train car
	// commits (see Dispatch.CarAsk) that are not settled yet.
	CarAsks(ctx context.Context, projectID int64) ([]*storagev1.CarCheckAsk, error)
	// TreeAnswers returns, per check, the newest final answer (passed or
	// failed) given for a car commit of the merge request with this tree:
	// Put, Replace and Dispatch index every such response that has a
	// TreeSha. Checks without one are absent.
	TreeAnswers(ctx context.Context, projectID, iid int64, tree string, checkIDs []int64) (map[int64]*storagev1.StatusCheckResponse, error)
}

// Dispatch is what one change to a merge request writes at once.
type Dispatch struct {
	ProjectID       int64
	MergeRequestIID int64
	// Head, when not empty, is recorded as the merge request's dispatched
	// head: every applicable check has a response at it, or is asked by
	// one of Deliveries.
	Head string
	// Responses become the newest of their keys. One without an id gets the
	// next id (as Put); one with an id keeps it (as Replace). Every one
	// belongs to the project and merge request above.
	Responses []*storagev1.StatusCheckResponse
	// Deliveries are stored, logged and queued as Enqueue does. Every one
	// belongs to the project above.
	Deliveries []*storagev1.Delivery
	// CarAsk, when set, is recorded (Responses.CarAsks): the responses and
	// deliveries above ask about a merge train car's commit. It belongs to
	// the merge request above.
	CarAsk *storagev1.CarCheckAsk
	// CarSettled, when not empty, removes the ask recorded for this commit
	// of the merge request: its car moved on, and every response still
	// pending for it is made obsolete by the responses above.
	CarSettled string
}

// DueResponse is a pending response whose deadline has come.
type DueResponse struct {
	Key        ResponseKey
	ResponseID int64
	Deadline   time.Time
	member     string
}

// NewDueResponse is for store implementations: member is the backend's
// handle for the entry.
func NewDueResponse(key ResponseKey, responseID int64, deadline time.Time, member string) DueResponse {
	return DueResponse{Key: key, ResponseID: responseID, Deadline: deadline, member: member}
}

// Member is the backend's handle for the entry.
func (d DueResponse) Member() string { return d.member }

// DeliveryRef locates a delivery.
type DeliveryRef struct {
	ProjectID int64
	ID        int64
}

// Deliveries is the durable delivery queue and the per-check delivery log.
// Every project has a queue of its own, and an index of projects says from
// when each queue may hold due work, so that a worker serves projects in
// turn: a project with a long queue of slow receivers never hides the
// deliveries of another behind its own.
type Deliveries interface {
	// Enqueue gives d an id, stores it, logs it under its check (keeping the
	// newest 100), and makes it due at d.NextAttemptTime, in one write; then
	// it indexes the project's queue.
	Enqueue(ctx context.Context, d *storagev1.Delivery) (*storagev1.Delivery, error)
	Get(ctx context.Context, ref DeliveryRef) (*storagev1.Delivery, error)
	// Save stores d after an attempt and either makes it due again at
	// d.NextAttemptTime (still pending) or takes it off the queue, in one
	// write; then it indexes the project's queue.
	Save(ctx context.Context, d *storagev1.Delivery, pending bool) error
	// Due returns up to limit deliveries of one project that are due at or
	// before now, oldest first.
	Due(ctx context.Context, projectID int64, now time.Time, limit int) ([]DeliveryRef, error)
	// DueProjects returns up to limit projects, skipping the first offset,
	// whose queue may hold a delivery due at or before now, the one waiting
	// longest first. The index may run early, never late: Due decides.
	DueProjects(ctx context.Context, now time.Time, offset, limit int) ([]int64, error)
	// Postpone makes a queued delivery due at until, leaving its record as
	// it is. Only the holder of the delivery's lease calls it, just after
	// reading the delivery as pending (so it is queued): a worker claims a
	// delivery for the length of an attempt this way, and other replicas no
	// longer see it as due. It does not index the project's queue again;
	// Reindex does.
	Postpone(ctx context.Context, ref DeliveryRef, until time.Time) error
	// Reindex makes the project's index entry say when its queue is next
	// due, or removes it when the queue is empty. Concurrent writers of the
	// queue and Reindex callers leave the entry no later than the queue.
	Reindex(ctx context.Context, projectID int64) error
	// Repair re-indexes the queue of every project, and moves deliveries
	// that earlier versions queued in one queue for all projects into their
	// projects' queues. A process that died between a write and its index
	// update leaves a queue nobody looks at until Repair runs; workers run
	// it when they start and now and then.
	Repair(ctx context.Context) error
	// Log returns a check's newest deliveries, newest first.
	Log(ctx context.Context, projectID, checkID int64, limit int) ([]*storagev1.Delivery, error)
}

// Leases are named, expiring, exclusive holds, for work that one replica at
// a time must do (one delivery attempt, one merge request change).
type Leases interface {
	// Acquire takes the lease for holder unless anyone holds it, holder
	// included: goroutines of one replica share a holder name and still
	// exclude each other.
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Renew extends holder's lease to ttl from now; false when holder no
	// longer holds it (it expired, or someone else took it).
	Renew(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Release gives the lease back if holder still holds it.
	Release(ctx context.Context, name, holder string) error
}

// Trains stores merge trains. A train (project, target branch) is one
// record, written by its owner only: Commit stores a version only on top of
// the version it was made from, so of two writers that read the same version
// exactly one commits, and a writer that lost its lease cannot overwrite a
// newer decision. Other parts of the server change a train by submitting a
// command for the owner; everything else the owner reads from the records
// it is about (merge requests, pipelines, the target branch).
type Trains interface {
	// Load returns the train's newest version; a train that never had a car
	// is an empty record at version 0.
	Load(ctx context.Context, t TrainRef) (*storagev1.Train, error)
	// Commit stores next as version next.Version, which must be one more
	// than the version it was made from, whose id is next.ParentId.
	// ErrConflict when another writer committed that version first.
	Commit(ctx context.Context, next *storagev1.Train) error
	// Branches returns the target branches of the project's trains.
	Branches(ctx context.Context, projectID int64) ([]string, error)
	// NextCarID draws a car id: ids order the cars of a train.
	NextCarID(ctx context.Context) (int64, error)
	// Submit gives cmd an id and queues it for the train's owner, and marks
	// the project dirty. A non-nil mr is stored in the same transaction,
	// so a merge request's auto-merge and its command are written together.
	Submit(ctx context.Context, t TrainRef, cmd *storagev1.TrainCommand, mr *storagev1.MergeRequest) (*storagev1.TrainCommand, error)
	// Commands returns the train's queued commands, by id.
	Commands(ctx context.Context, t TrainRef) ([]*storagev1.TrainCommand, error)
	// Forget removes applied commands from the queue.
	Forget(ctx context.Context, t TrainRef, ids []int64) error
	// Archive keeps complete cars that leave the train record, for lists.
	Archive(ctx context.Context, projectID int64, cars []*storagev1.Car) error
	// Archived returns the project's archived cars, by id.
	Archived(ctx context.Context, projectID int64) ([]*storagev1.Car, error)
	// MarkDirty asks for the project's trains and auto-merges to be looked
	// at. Stores that change what a train depends on (merge requests,
	// pipelines, commands) mark it in the same transaction.
	MarkDirty(ctx context.Context, projectID int64) error
	// Dirty lists the projects marked dirty.
	Dirty(ctx context.Context) ([]int64, error)
	// News counts the project's marks, ever: a worker that reads it before
	// and after its work (and Clean) knows whether anything changed
	// meanwhile.
	News(ctx context.Context, projectID int64) (int64, error)
	// Clean removes a project's mark. Callers clean, then look once more,
	// so a change made while they worked is never lost.
	Clean(ctx context.Context, projectID int64) error
}

// TrainRef names one train.
type TrainRef struct {
	ProjectID int64
	Branch    string
}

// Pipelines stores pipelines and the commit statuses in them. Every write
// marks the project dirty (see Trains): merge trains and auto-merge wait on
// pipelines.
type Pipelines interface {
	// Create gives p a global id and the project's next iid.
	Create(ctx context.Context, p *storagev1.Pipeline) (*storagev1.Pipeline, error)
	Get(ctx context.Context, projectID, id int64) (*storagev1.Pipeline, error)
	Update(ctx context.Context, p *storagev1.Pipeline) error
	// ForSHA returns the pipelines of a commit, by id.
	ForSHA(ctx context.Context, projectID int64, sha string) ([]*storagev1.Pipeline, error)
	// PutStatus stores a commit status, replacing the pipeline's status of
	// the same name; a new one gets an id.
	PutStatus(ctx context.Context, s *storagev1.CommitStatus) (*storagev1.CommitStatus, error)
	// Statuses returns a pipeline's commit statuses, by id.
	Statuses(ctx context.Context, projectID, pipelineID int64) ([]*storagev1.CommitStatus, error)
}

// Hooks stores project webhooks.
type Hooks interface {
	Create(ctx context.Context, h *storagev1.ProjectHook) (*storagev1.ProjectHook, error)
	Get(ctx context.Context, projectID, id int64) (*storagev1.ProjectHook, error)
	List(ctx context.Context, projectID int64) ([]*storagev1.ProjectHook, error)
	// Update replaces a hook; its writers hold the hook's lease (see
	// pipeline), so it cannot bring back a hook deleted meanwhile.
	// ErrNotFound when there is none.
	Update(ctx context.Context, h *storagev1.ProjectHook) error
	Delete(ctx context.Context, projectID, id int64) error
}

// Notes stores merge request notes.
type Notes interface {
	// Add gives n an id and stores it. A note with a key is stored once:
	// adding it again (a retry after a crash, or a second writer) returns
	// the note already stored under that key.
	Add(ctx context.Context, n *storagev1.Note, key string) (*storagev1.Note, error)
	// List returns a merge request's notes, oldest first.
	List(ctx context.Context, projectID, iid int64) ([]*storagev1.Note, error)
}
