package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
)

type checks struct{ s *Store }

func (cs checks) nameClaim(c *storagev1.StatusCheck) claim {
	return claim{name: "name", key: cs.s.keys.checkNames(c.GetProjectId()), field: c.GetName()}
}

func (cs checks) urlClaim(c *storagev1.StatusCheck) claim {
	return claim{name: "external_url", key: cs.s.keys.checkURLs(c.GetProjectId()), field: c.GetExternalUrl()}
}

func (cs checks) Create(ctx context.Context, c *storagev1.StatusCheck) (*storagev1.StatusCheck, error) {
	s := cs.s
	cid, err := s.nextID(ctx, "checks")
	if err != nil {
		return nil, err
	}
	c.Id = cid
	rec, err := encode(c)
	if err != nil {
		return nil, err
	}
	claims := []claim{cs.nameClaim(c), cs.urlClaim(c)}
	if err := s.claimAll(ctx, cid, claims...); err != nil {
		return nil, err
	}
	if err := s.rdb.HSet(ctx, s.keys.checks(c.GetProjectId()), id(cid), rec).Err(); err != nil {
		return nil, errors.Join(err, s.releaseAll(ctx, cid, claims...))
	}
	return c, nil
}

func (cs checks) Update(ctx context.Context, old, updated *storagev1.StatusCheck) error {
	s := cs.s
	cid := old.GetId()
	rec, err := encode(updated)
	if err != nil {
		return err
	}
	var claims, released []claim
	if updated.GetName() != old.GetName() {
		claims = append(claims, cs.nameClaim(updated))
		released = append(released, cs.nameClaim(old))
	}
	if updated.GetExternalUrl() != old.GetExternalUrl() {
		claims = append(claims, cs.urlClaim(updated))
		released = append(released, cs.urlClaim(old))
	}
	if err := s.claimAll(ctx, cid, claims...); err != nil {
		return err
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.HSet(ctx, s.keys.checks(old.GetProjectId()), id(cid), rec)
		for _, c := range released {
			tx.HDel(ctx, c.key, c.field)
		}
		return nil
	})
	if err != nil {
		return errors.Join(err, s.releaseAll(ctx, cid, claims...))
	}
	return nil
}

func (cs checks) Delete(ctx context.Context, c *storagev1.StatusCheck) error {
	s := cs.s
	_, err := s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.HDel(ctx, s.keys.checks(c.GetProjectId()), id(c.GetId()))
		tx.HDel(ctx, s.keys.checkNames(c.GetProjectId()), c.GetName())
		tx.HDel(ctx, s.keys.checkURLs(c.GetProjectId()), c.GetExternalUrl())
		return nil
	})
	return err
}

func (cs checks) Get(ctx context.Context, pid, cid int64) (*storagev1.StatusCheck, error) {
	b, err := cs.s.hgetBytes(ctx, cs.s.keys.checks(pid), id(cid))
	return getRecord(b, err, &storagev1.StatusCheck{})
}

func (cs checks) List(ctx context.Context, pid int64) ([]*storagev1.StatusCheck, error) {
	all, err := cs.s.hgetAll(ctx, cs.s.keys.checks(pid))
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.StatusCheck { return &storagev1.StatusCheck{} }, (*storagev1.StatusCheck).GetId)
}
