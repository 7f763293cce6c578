package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

type pipelines struct{ s *Store }

func (ps pipelines) Create(ctx context.Context, p *storagev1.Pipeline) (*storagev1.Pipeline, error) {
	s := ps.s
	pid := p.GetProjectId()
	plid, err := s.nextID(ctx, "pipelines")
	if err != nil {
		return nil, err
	}
	iid, err := s.rdb.Incr(ctx, s.keys.pipelineIIDs(pid)).Result()
	if err != nil {
		return nil, err
	}
	p.Id, p.Iid = plid, iid
	rec, err := encode(p)
	if err != nil {
		return nil, err
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.HSet(ctx, s.keys.pipelines(pid), id(plid), rec)
		tx.SAdd(ctx, s.keys.pipelinesBySHA(pid, p.GetSha()), plid)
		s.markDirty(ctx, tx, pid)
		return nil
	})
	return p, err
}

func (ps pipelines) Get(ctx context.Context, pid, plid int64) (*storagev1.Pipeline, error) {
	b, err := ps.s.hgetBytes(ctx, ps.s.keys.pipelines(pid), id(plid))
	return getRecord(b, err, &storagev1.Pipeline{})
}

func (ps pipelines) Update(ctx context.Context, p *storagev1.Pipeline) error {
	s := ps.s
	b, err := encode(p)
	if err != nil {
		return err
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.HSet(ctx, s.keys.pipelines(p.GetProjectId()), id(p.GetId()), b)
		s.markDirty(ctx, tx, p.GetProjectId())
		return nil
	})
	return err
}

func (ps pipelines) ForSHA(ctx context.Context, pid int64, sha string) ([]*storagev1.Pipeline, error) {
	members, err := ps.s.smembers(ctx, ps.s.keys.pipelinesBySHA(pid, sha))
	if err != nil {
		return nil, err
	}
	ids, err := parseIDs(members)
	if err != nil {
		return nil, err
	}
	out := make([]*storagev1.Pipeline, 0, len(ids))
	for _, plid := range ids {
		p, err := ps.Get(ctx, pid, plid)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (ps pipelines) PutStatus(ctx context.Context, st *storagev1.CommitStatus) (*storagev1.CommitStatus, error) {
	s := ps.s
	key := s.keys.statuses(st.GetProjectId(), st.GetPipelineId())
	if st.GetId() == 0 {
		old, err := s.rdb.HGet(ctx, key, st.GetName()).Bytes()
		switch {
		case err == nil:
			prev, err := decode(old, &storagev1.CommitStatus{})
			if err != nil {
				return nil, err
			}
			st.Id = prev.GetId()
		case errors.Is(err, redis.Nil):
			if st.Id, err = s.nextID(ctx, "commit_statuses"); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
	}
	b, err := encode(st)
	if err != nil {
		return nil, err
	}
	_, err = s.tx(ctx, func(tx redis.Pipeliner) error {
		tx.HSet(ctx, key, st.GetName(), b)
		s.markDirty(ctx, tx, st.GetProjectId())
		return nil
	})
	return st, err
}

func (ps pipelines) Statuses(ctx context.Context, pid, plid int64) ([]*storagev1.CommitStatus, error) {
	all, err := ps.s.rdb.HGetAll(ctx, ps.s.keys.statuses(pid, plid)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.CommitStatus { return &storagev1.CommitStatus{} }, (*storagev1.CommitStatus).GetId)
}

type hooks struct{ s *Store }

func (hs hooks) Create(ctx context.Context, h *storagev1.ProjectHook) (*storagev1.ProjectHook, error) {
	hid, err := hs.s.nextID(ctx, "hooks")
	if err != nil {
		return nil, err
	}
	h.Id = hid
	rec, err := encode(h)
	if err != nil {
		return nil, err
	}
	return h, hs.s.rdb.HSet(ctx, hs.s.keys.hooks(h.GetProjectId()), id(hid), rec).Err()
}

func (hs hooks) Get(ctx context.Context, pid, hid int64) (*storagev1.ProjectHook, error) {
	b, err := hs.s.rdb.HGet(ctx, hs.s.keys.hooks(pid), id(hid)).Bytes()
	return getRecord(b, err, &storagev1.ProjectHook{})
}

func (hs hooks) List(ctx context.Context, pid int64) ([]*storagev1.ProjectHook, error) {
	all, err := hs.s.rdb.HGetAll(ctx, hs.s.keys.hooks(pid)).Result()
	if err != nil {
		return nil, err
	}
	return decodeAll(all, func() *storagev1.ProjectHook { return &storagev1.ProjectHook{} }, (*storagev1.ProjectHook).GetId)
}

func (hs hooks) Update(ctx context.Context, h *storagev1.ProjectHook) error {
	key := hs.s.keys.hooks(h.GetProjectId())
	n, err := hs.s.rdb.HExists(ctx, key, id(h.GetId())).Result()
	if err != nil {
		return err
	}
	if !n {
		return store.ErrNotFound
	}
	rec, err := encode(h)
	if err != nil {
		return err
	}
	return hs.s.rdb.HSet(ctx, key, id(h.GetId()), rec).Err()
}

func (hs hooks) Delete(ctx context.Context, pid, hid int64) error {
	n, err := hs.s.rdb.HDel(ctx, hs.s.keys.hooks(pid), id(hid)).Result()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

type notes struct{ s *Store }

// Notes are a hash by id, so that adding one is idempotent: a keyed note
// claims its key with the id it will have (HSETNX), and a writer that finds
// the key claimed writes the claimed id again, which replaces rather than
// duplicates whatever a crashed or concurrent writer stored there.
func (ns notes) Add(ctx context.Context, n *storagev1.Note, key string) (*storagev1.Note, error) {
	s := ns.s
	pid, iid := n.GetProjectId(), n.GetMergeRequestIid()
	nid, err := s.nextID(ctx, "notes")
	if err != nil {
		return nil, err
	}
	n.Id = nid
	rec, err := encode(n)
	if err != nil {
		return nil, err
	}
	if key != "" {
		claimed, err := s.rdb.HSetNX(ctx, s.keys.noteKeys(pid, iid), key, nid).Result()
		if err != nil {
			return nil, err
		}
		if !claimed {
			if nid, err = s.rdb.HGet(ctx, s.keys.noteKeys(pid, iid), key).Int64(); err != nil {
				return nil, err
			}
			b, err := s.rdb.HGet(ctx, s.keys.notes(pid, iid), id(nid)).Bytes()
			if err == nil {
				return decode(b, &storagev1.Note{})
			}
			if !errors.Is(err, redis.Nil) {
				return nil, err
			}
		}
	}
	if nid != n.GetId() { // taking over a claim whose note was never stored
		n.Id = nid
		if rec, err = encode(n); err != nil {
			return nil, err
		}
	}
	return n, s.rdb.HSet(ctx, s.keys.notes(pid, iid), id(nid), rec).Err()
}

func (ns notes) List(ctx context.Context, pid, iid int64) ([]*storagev1.Note, error) {
	s := ns.s
	all, err := s.rdb.HGetAll(ctx, s.keys.notes(pid, iid)).Result()
	if err != nil {
		return nil, err
	}
	out, err := decodeAll(all, func() *storagev1.Note { return &storagev1.Note{} }, (*storagev1.Note).GetId)
	if err != nil {
		return nil, err
	}
	// Notes written before notes had keys. EXISTS first: redka fails an
	// LRANGE of a missing key.
	if n, err := s.rdb.Exists(ctx, s.keys.legacyNotes(pid, iid)).Result(); err != nil || n == 0 {
		return out, err
	}
	legacy, err := s.rdb.LRange(ctx, s.keys.legacyNotes(pid, iid), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	for _, v := range legacy {
		n, err := decode([]byte(v), &storagev1.Note{})
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	sortBy(out, (*storagev1.Note).GetId)
	return out, nil
}
