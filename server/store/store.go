// Package store defines what Signalbox persists and how it may be read back.
// It knows keys and atomicity, not rules: every check of permission or
// validity happens in the domain packages before a store call.
//
// The one implementation, redisstore, runs against a real Redis and against
// the embedded store; storetest holds the contract suite both must pass.
package store

import (
	"context"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

// Store is the persistence seam, one interface per aggregate.
type Store interface {
	Users() Users
	Projects() Projects
	Members() Members
	ProtectedBranches() ProtectedBranches
	Checks() Checks
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
	// path cannot change.
	Update(ctx context.Context, old, updated *storagev1.Project) error
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
