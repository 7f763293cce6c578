package project

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/auth"
	"github.com/signalbox/signalbox/server/conditional"
	"github.com/signalbox/signalbox/server/lease"
	"github.com/signalbox/signalbox/server/store"
	"github.com/signalbox/signalbox/server/user"
)

// Membership is a member with the user it belongs to.
type Membership struct {
	Member *storagev1.Member
	User   *storagev1.User
}

// membersLeaseTTL bounds one membership change; a holder that dies frees
// the project's members this late.
const membersLeaseTTL = 10 * time.Second

// changingMembers runs f while holding the lease on the project's members.
// Every change of membership takes it, so a rule over the whole set (the
// last owner stays) is checked and kept by one writer at a time: two owners
// removing each other at once cannot both succeed. The holder name is unique
// to this call, so a holder that outlived its lease cannot release the next
// one's. f gets the caller's scope read again under the lease, so a caller
// whose own role changed meanwhile acts with the role they have now.
func (s *Service) changingMembers(ctx context.Context, sc *Scope, f func(fresh *Scope) error) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails; see crypto/rand
	name := "members:" + strconv.FormatInt(sc.Project.GetId(), 10)
	return lease.Hold(ctx, s.store.Leases(), name, hex.EncodeToString(b), membersLeaseTTL, func() error {
		level, err := s.level(ctx, sc.Caller, sc.Project)
		if err != nil {
			return err
		}
		return f(&Scope{Project: sc.Project, Caller: sc.Caller, Level: level})
	})
}

// AddMember gives a user a role. Maintainers and above; only owners may make
// owners.
func (s *Service) AddMember(ctx context.Context, sc *Scope, userID int64, level auth.Level, expiresAt string) (*Membership, error) {
	if err := s.requireGrant(sc, level); err != nil {
		return nil, err
	}
	u, err := s.user(ctx, userID)
	if err != nil {
		return nil, err
	}
	m := &storagev1.Member{
		UserId:      userID,
		AccessLevel: int32(level),
		ExpiresAt:   expiresAt,
		CreateTime:  timestamppb.New(s.clock.Now()),
		CreatedById: sc.Caller.UserID,
	}
	err = s.changingMembers(ctx, sc, func(fresh *Scope) error {
		if err := s.requireGrant(fresh, level); err != nil {
			return err
		}
		return s.store.Members().Add(ctx, sc.Project.GetId(), m)
	})
	if errors.Is(err, store.ErrExists) {
		return nil, ErrMemberExists
	} else if err != nil {
		return nil, err
	}
	return &Membership{Member: m, User: u}, nil
}

// UpdateMember changes a member's role and, when expiresAt is not nil, the
// end of the membership.
func (s *Service) UpdateMember(ctx context.Context, sc *Scope, userID int64, level auth.Level, expiresAt *string) (*Membership, error) {
	var m *storagev1.Member
	err := s.changingMembers(ctx, sc, func(fresh *Scope) error {
		var err error
		if m, err = s.member(ctx, fresh, userID); err != nil {
			return err
		}
		if err := s.requireGrant(fresh, max(level, auth.Level(m.GetAccessLevel()))); err != nil {
			return err
		}
		if level < auth.Owner && auth.Level(m.GetAccessLevel()) == auth.Owner {
			if err := s.keepAnOwner(ctx, fresh, userID); err != nil {
				return err
			}
		}
		m.AccessLevel = int32(level)
		if expiresAt != nil {
			m.ExpiresAt = *expiresAt
		}
		return s.store.Members().Update(ctx, sc.Project.GetId(), m)
	})
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, userID)
	if err != nil {
		return nil, err
	}
	return &Membership{Member: m, User: u}, nil
}

// RemoveMember takes a user's role away. Members may always leave; removing
// someone else takes Maintainer, or Owner to remove an owner. The last owner
// cannot be removed.
func (s *Service) RemoveMember(ctx context.Context, sc *Scope, userID int64) error {
	return s.changingMembers(ctx, sc, func(fresh *Scope) error {
		m, err := s.member(ctx, fresh, userID)
		if err != nil {
			return err
		}
		if userID != fresh.Caller.UserID {
			if err := s.requireGrant(fresh, auth.Level(m.GetAccessLevel())); err != nil {
				return err
			}
		}
		if auth.Level(m.GetAccessLevel()) == auth.Owner {
			if err := s.keepAnOwner(ctx, fresh, userID); err != nil {
				return err
			}
		}
		if err := conditional.Check(ctx, conditional.Latest(m.GetCreateTime())); err != nil {
			return err
		}
		return s.store.Members().Remove(ctx, sc.Project.GetId(), userID)
	})
}

// ListMembers returns the members whose username or name contains query.
// Anyone who can read the project can list them.
func (s *Service) ListMembers(ctx context.Context, sc *Scope, query string) ([]*Membership, error) {
	all, err := s.store.Members().List(ctx, sc.Project.GetId())
	if err != nil {
		return nil, err
	}
	query = strings.ToLower(query)
	out := make([]*Membership, 0, len(all))
	for _, m := range all {
		u, err := s.user(ctx, m.GetUserId())
		if errors.Is(err, user.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if query != "" && !strings.Contains(strings.ToLower(u.GetUsername()), query) &&
			!strings.Contains(strings.ToLower(u.GetName()), query) {
			continue
		}
		out = append(out, &Membership{Member: m, User: u})
	}
	return out, nil
}

// requireGrant checks that the caller may hand out (or take away) level.
func (s *Service) requireGrant(sc *Scope, level auth.Level) error {
	if err := sc.Require(auth.Maintainer); err != nil {
		return err
	}
	if level >= auth.Owner {
		return sc.Require(auth.Owner)
	}
	return nil
}

// keepAnOwner refuses a change that would leave the project without an
// owner other than userID.
func (s *Service) keepAnOwner(ctx context.Context, sc *Scope, userID int64) error {
	all, err := s.store.Members().List(ctx, sc.Project.GetId())
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.GetUserId() != userID && auth.Level(m.GetAccessLevel()) == auth.Owner {
			return nil
		}
	}
	return auth.ErrForbidden
}

func (s *Service) member(ctx context.Context, sc *Scope, userID int64) (*storagev1.Member, error) {
	m, err := s.store.Members().Get(ctx, sc.Project.GetId(), userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrMemberNotFound
	}
	return m, err
}

func (s *Service) user(ctx context.Context, userID int64) (*storagev1.User, error) {
	u, err := s.store.Users().Get(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, user.ErrNotFound
	}
	return u, err
}
