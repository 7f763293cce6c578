package redisstore

import (
	"context"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

type users struct{ s *Store }

func (u users) Create(ctx context.Context, rec *storagev1.User) (*storagev1.User, error) {
	s := u.s
	uid, err := s.nextID(ctx, "users")
	if err != nil {
		return nil, err
	}
	rec.Id = uid
	b, err := encode(rec)
	if err != nil {
		return nil, err
	}
	claims := []claim{{name: "username", key: s.keys.usernames(), field: fold(rec.GetUsername())}}
	if rec.GetEmail() != "" {
		claims = append(claims, claim{name: "email", key: s.keys.emails(), field: fold(rec.GetEmail())})
	}
	if err := s.claimAll(ctx, uid, claims...); err != nil {
		return nil, err
	}
	if err := s.rdb.Set(ctx, s.keys.user(uid), b, 0).Err(); err != nil {
		return nil, errors.Join(err, s.releaseAll(ctx, uid, claims...))
	}
	return rec, nil
}

func (u users) Get(ctx context.Context, uid int64) (*storagev1.User, error) {
	b, err := u.s.getBytes(ctx, u.s.keys.user(uid))
	return getRecord(b, err, &storagev1.User{})
}

func (u users) GetByUsername(ctx context.Context, username string) (*storagev1.User, error) {
	uid, err := u.s.rdb.HGet(ctx, u.s.keys.usernames(), fold(username)).Int64()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return u.Get(ctx, uid)
}

func (u users) CreateToken(ctx context.Context, t *storagev1.Token, hash string) (*storagev1.Token, error) {
	s := u.s
	tid, err := s.nextID(ctx, "tokens")
	if err != nil {
		return nil, err
	}
	t.Id = tid
	rec, err := encode(t)
	if err != nil {
		return nil, err
	}
	_, err = s.tx(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.token(hash), rec, 0)
		p.SAdd(ctx, s.keys.userTokens(t.GetUserId()), hash)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (u users) TokenByHash(ctx context.Context, hash string) (*storagev1.Token, error) {
	b, err := u.s.getBytes(ctx, u.s.keys.token(hash))
	return getRecord(b, err, &storagev1.Token{})
}

func (u users) Tokens(ctx context.Context, uid int64) ([]store.HashedToken, error) {
	hashes, err := u.s.rdb.SMembers(ctx, u.s.keys.userTokens(uid)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]store.HashedToken, 0, len(hashes))
	for _, h := range hashes {
		t, err := u.TokenByHash(ctx, h)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, store.HashedToken{Hash: h, Token: t})
	}
	sortBy(out, func(h store.HashedToken) int64 { return h.Token.GetId() })
	return out, nil
}

func (u users) RevokeToken(ctx context.Context, hash string) error {
	t, err := u.TokenByHash(ctx, hash)
	if err != nil {
		return err
	}
	t.Revoked = true
	rec, err := encode(t)
	if err != nil {
		return err
	}
	return u.s.rdb.Set(ctx, u.s.keys.token(hash), rec, 0).Err()
}

// parseIDs turns Redis members into ids, ascending.
func parseIDs(members []string) ([]int64, error) {
	out := make([]int64, 0, len(members))
	for _, m := range members {
		n, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	sortBy(out, func(n int64) int64 { return n })
	return out, nil
}
