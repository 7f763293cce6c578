package redisstore

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/signalbox/signalbox/gen/signalbox/storage/v1"
	"github.com/signalbox/signalbox/server/store"
)

// maxPrefetchRounds bounds the round trips of one prefetch: token and
// project (or the project's path), then user, membership and merge
// request, then what depends on the merge request, then its pipelines.
const maxPrefetchRounds = 4

// snapshot is what one request prefetched: the raw replies, by key, so each
// read decodes a record of its own as it would from Redis. A reply that was
// redis.Nil is kept as a nil value: the record is known to be absent.
type snapshot struct {
	strs   map[string]*string
	fields map[string]map[string]*string
	hashes map[string]map[string]string
	sets   map[string][]string
	done   atomic.Bool
}

type snapshotKey struct{}

// snapshotFrom returns the request's snapshot while it is valid.
func snapshotFrom(ctx context.Context) *snapshot {
	s, _ := ctx.Value(snapshotKey{}).(*snapshot)
	if s == nil || s.done.Load() {
		return nil
	}
	return s
}

// Prefetch reads what p names in a few pipelined round trips (see
// store.Prefetcher). A pipeline is not a transaction: its commands may
// touch any slot, and a Redis Cluster client splits it by node. When a
// round fails, what was read so far is kept and the rest is read as usual,
// so errors surface where they always did.
func (s *Store) Prefetch(ctx context.Context, p store.Prefetch) (context.Context, func()) {
	snap := &snapshot{
		strs:   map[string]*string{},
		fields: map[string]map[string]*string{},
		hashes: map[string]map[string]string{},
		sets:   map[string][]string{},
	}
	plan := prefetchPlan{s: s, p: p, snap: snap, issued: map[readID]bool{}}
	for range maxPrefetchRounds {
		var absorb []func()
		_, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
			absorb = plan.round(ctx, pl)
			return nil
		})
		if len(absorb) == 0 || (err != nil && !errors.Is(err, redis.Nil)) {
			break
		}
		for _, a := range absorb {
			a()
		}
	}
	plan.remember()
	return context.WithValue(ctx, snapshotKey{}, snap), func() { snap.done.Store(true) }
}

// prefetchPlan works out, round by round, what can be read next.
type prefetchPlan struct {
	s      *Store
	p      store.Prefetch
	snap   *snapshot
	issued map[readID]bool
	// The token and the merge request, decoded once from the reply they
	// were read in, for every round and remember.
	tok decodedOnce[*storagev1.Token]
	mr  decodedOnce[*storagev1.MergeRequest]
}

// readID names one read: a command, its key, and a hash's field.
type readID struct {
	cmd        byte
	key, field string
}

// once reports whether the read named by id is new, and marks it issued.
func (pp *prefetchPlan) once(cmd byte, key, field string) bool {
	id := readID{cmd, key, field}
	if pp.issued[id] {
		return false
	}
	pp.issued[id] = true
	return true
}

// token is the prefetched token under key, decoded.
func (pp *prefetchPlan) token(key string) (*storagev1.Token, bool) {
	v, ok := pp.snap.str(key)
	return pp.tok.of(v, ok, func() *storagev1.Token { return &storagev1.Token{} })
}

// mergeRequest is the prefetched merge request in key's field, decoded.
func (pp *prefetchPlan) mergeRequest(key, field string) (*storagev1.MergeRequest, bool) {
	v, ok := pp.snap.field(key, field)
	return pp.mr.of(v, ok, func() *storagev1.MergeRequest { return &storagev1.MergeRequest{} })
}

// decodedOnce is a record decoded from the reply it was read in, kept for
// the plan's later rounds.
type decodedOnce[T proto.Message] struct {
	raw *string
	v   T
	ok  bool
}

// of decodes v (read: whether it was read at all, nil when absent) unless
// it is the reply decoded last.
func (d *decodedOnce[T]) of(v *string, read bool, blank func() T) (T, bool) {
	if !read || v == nil {
		var zero T
		return zero, false
	}
	if v != d.raw {
		d.raw = v
		var err error
		d.v, err = decode([]byte(*v), blank())
		d.ok = err == nil
	}
	return d.v, d.ok
}

// round queues every read whose inputs are known and that is not issued
// yet, and returns what stores each reply once the pipeline has run.
func (pp *prefetchPlan) round(ctx context.Context, pl redis.Pipeliner) []func() {
	k, snap, p := pp.s.keys, pp.snap, pp.p
	var out []func()
	get := func(key string) {
		if pp.once('g', key, "") {
			cmd := pl.Get(ctx, key)
			out = append(out, func() { snap.putStr(key, cmd) })
		}
	}
	hget := func(key string, fields ...string) {
		var todo []string
		for _, f := range fields {
			if pp.once('h', key, f) {
				todo = append(todo, f)
			}
		}
		if len(todo) == 0 {
			return
		}
		cmd := pl.HMGet(ctx, key, todo...)
		out = append(out, func() { snap.putFields(key, todo, cmd) })
	}
	hgetAll := func(key string) {
		if pp.once('a', key, "") {
			cmd := pl.HGetAll(ctx, key)
			out = append(out, func() {
				if v, err := cmd.Result(); err == nil {
					snap.hashes[key] = v
				}
			})
		}
	}
	smembers := func(key string) {
		if pp.once('s', key, "") {
			cmd := pl.SMembers(ctx, key)
			out = append(out, func() {
				if v, err := cmd.Result(); err == nil {
					snap.sets[key] = v
				}
			})
		}
	}

	g := pp.s.guess
	var uid int64
	if p.TokenHash != "" {
		key := k.token(p.TokenHash)
		get(key)
		if t, ok := pp.token(key); ok {
			uid = t.GetUserId()
		} else if _, read := snap.str(key); !read {
			uid, _ = g.int64Guess(guessUser(p.TokenHash))
		}
		if uid != 0 {
			get(k.user(uid))
		}
	}
	pid, known := pp.projectID()
	if !known {
		if !strings.Contains(p.Project, "/") {
			return out
		}
		hget(k.projectPaths(), fold(p.Project))
		if _, read := snap.field(k.projectPaths(), fold(p.Project)); read {
			return out
		}
		if pid, known = g.int64Guess(guessProject(fold(p.Project))); !known {
			return out
		}
	}
	get(k.project(pid))
	// Read with the project, so that an empty project's settled default
	// branch (Projects.Get) costs no round trip of its own.
	get(k.settledDefaultBranch(pid))
	if uid != 0 {
		hget(k.members(pid), id(uid))
	}
	if p.CheckID != 0 {
		hget(k.checks(pid), id(p.CheckID))
	}
	if p.Checks {
		hgetAll(k.checks(pid))
	}
	if p.MergeRequestIID == 0 {
		return out
	}
	hgetAll(k.protectedBranches(pid))
	hget(k.mergeRequests(pid), id(p.MergeRequestIID))
	var head string
	var author int64
	if mr, ok := pp.mergeRequest(k.mergeRequests(pid), id(p.MergeRequestIID)); ok {
		head, author = mr.GetHeadSha(), mr.GetAuthorId()
	} else if _, read := snap.field(k.mergeRequests(pid), id(p.MergeRequestIID)); read {
		return out
	} else if head, author, ok = g.headGuess(pid, p.MergeRequestIID); !ok {
		return out
	}
	if p.Checks {
		var checkIDs []string
		if all, ok := snap.hashes[k.checks(pid)]; ok {
			checkIDs = slices.Collect(maps.Keys(all))
		} else {
			checkIDs = g.listGuess(guessChecks(pid))
		}
		fields := make([]string, 0, len(checkIDs))
		for _, cid := range checkIDs {
			n, err := strconv.ParseInt(cid, 10, 64)
			if err == nil {
				fields = append(fields, responseField(n, head))
			}
		}
		hget(k.responses(pid, p.MergeRequestIID), fields...)
	}
	if p.View {
		if author != 0 {
			get(k.user(author))
		}
		bySHA := k.pipelinesBySHA(pid, head)
		smembers(bySHA)
		ids, read := snap.sets[bySHA]
		if !read {
			ids = g.listGuess(guessPipelines(pid, head))
		}
		if len(ids) > 0 {
			hget(k.pipelines(pid), ids...)
		}
	}
	return out
}

// remember keeps, as guesses for the next prefetch on this replica, the
// inputs this one read, and forgets those it found absent.
func (pp *prefetchPlan) remember() {
	k, snap, p, g := pp.s.keys, pp.snap, pp.p, pp.s.guess
	if p.TokenHash != "" {
		if v, read := snap.str(k.token(p.TokenHash)); read {
			uid := ""
			if t, ok := pp.token(k.token(p.TokenHash)); ok && v != nil {
				uid = id(t.GetUserId())
			}
			g.put(guessUser(p.TokenHash), uid)
		}
	}
	if strings.Contains(p.Project, "/") {
		if v, read := snap.field(k.projectPaths(), fold(p.Project)); read {
			g.put(guessProject(fold(p.Project)), deref(v))
		}
	}
	pid, known := pp.projectID()
	if !known {
		return
	}
	if all, ok := snap.hashes[k.checks(pid)]; ok && p.Checks {
		ids := slices.Sorted(maps.Keys(all))
		g.put(guessChecks(pid), strings.Join(ids, ","))
	}
	if p.MergeRequestIID == 0 {
		return
	}
	if _, read := snap.field(k.mergeRequests(pid), id(p.MergeRequestIID)); !read {
		return
	}
	mr, ok := pp.mergeRequest(k.mergeRequests(pid), id(p.MergeRequestIID))
	if !ok {
		g.put(guessHead(pid, p.MergeRequestIID), "")
		return
	}
	g.put(guessHead(pid, p.MergeRequestIID), mr.GetHeadSha()+" "+id(mr.GetAuthorId()))
	if ids, read := snap.sets[k.pipelinesBySHA(pid, mr.GetHeadSha())]; read && p.View {
		g.put(guessPipelines(pid, mr.GetHeadSha()), strings.Join(slices.Sorted(slices.Values(ids)), ","))
	}
}

func deref(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// projectID is the project's id once it is known: at once for an id,
// after the path index is read for a path.
func (pp *prefetchPlan) projectID() (int64, bool) {
	ref := pp.p.Project
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return n, true
	}
	v, ok := pp.snap.field(pp.s.keys.projectPaths(), fold(ref))
	if !ok || v == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(*v, 10, 64)
	return n, err == nil
}

func (s *snapshot) putStr(key string, cmd *redis.StringCmd) {
	v, err := cmd.Result()
	switch {
	case errors.Is(err, redis.Nil):
		s.strs[key] = nil
	case err == nil:
		s.strs[key] = &v
	}
}

func (s *snapshot) putFields(key string, fields []string, cmd *redis.SliceCmd) {
	vals, err := cmd.Result()
	if err != nil || len(vals) != len(fields) {
		return
	}
	m := s.fields[key]
	if m == nil {
		m = map[string]*string{}
		s.fields[key] = m
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			m[fields[i]] = &str
		} else {
			m[fields[i]] = nil
		}
	}
}

// str is a prefetched string key: ok when it was read, v nil when absent.
func (s *snapshot) str(key string) (v *string, ok bool) {
	v, ok = s.strs[key]
	return v, ok
}

// field is a prefetched hash field, read alone or with its whole hash.
func (s *snapshot) field(key, field string) (v *string, ok bool) {
	if v, ok := s.fields[key][field]; ok {
		return v, true
	}
	if all, ok := s.hashes[key]; ok {
		if str, ok := all[field]; ok {
			return &str, true
		}
		return nil, true
	}
	return nil, false
}

// The read helpers below answer from the request's snapshot when it holds
// the key, and ask Redis otherwise. Their results read as go-redis's do:
// redis.Nil for an absent key or field.

// getBytes is GET.
func (s *Store) getBytes(ctx context.Context, key string) ([]byte, error) {
	if snap := snapshotFrom(ctx); snap != nil {
		if v, ok := snap.str(key); ok {
			if v == nil {
				return nil, redis.Nil
			}
			return []byte(*v), nil
		}
	}
	return s.rdb.Get(ctx, key).Bytes()
}

// hgetBytes is HGET.
func (s *Store) hgetBytes(ctx context.Context, key, field string) ([]byte, error) {
	if snap := snapshotFrom(ctx); snap != nil {
		if v, ok := snap.field(key, field); ok {
			if v == nil {
				return nil, redis.Nil
			}
			return []byte(*v), nil
		}
	}
	return s.rdb.HGet(ctx, key, field).Bytes()
}

// hgetAll is HGETALL. The map is the caller's.
func (s *Store) hgetAll(ctx context.Context, key string) (map[string]string, error) {
	if snap := snapshotFrom(ctx); snap != nil {
		if all, ok := snap.hashes[key]; ok {
			out := make(map[string]string, len(all))
			for f, v := range all {
				out[f] = v
			}
			return out, nil
		}
	}
	return s.rdb.HGetAll(ctx, key).Result()
}

// hmget is HMGET: a string per field, nil where the field is absent.
func (s *Store) hmget(ctx context.Context, key string, fields ...string) ([]any, error) {
	if snap := snapshotFrom(ctx); snap != nil {
		out := make([]any, len(fields))
		all := true
		for i, f := range fields {
			v, ok := snap.field(key, f)
			if !ok {
				all = false
				break
			}
			if v != nil {
				out[i] = *v
			}
		}
		if all {
			return out, nil
		}
	}
	return s.rdb.HMGet(ctx, key, fields...).Result()
}

// smembers is SMEMBERS. The slice is the caller's.
func (s *Store) smembers(ctx context.Context, key string) ([]string, error) {
	if snap := snapshotFrom(ctx); snap != nil {
		if v, ok := snap.sets[key]; ok {
			return append([]string(nil), v...), nil
		}
	}
	return s.rdb.SMembers(ctx, key).Result()
}

// hgetInt64 reads an HGET reply as an integer, as go-redis's Int64 does.
func hgetInt64(b []byte, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(b), 10, 64)
}
