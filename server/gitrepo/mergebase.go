package gitrepo

import (
	"bytes"
	"container/heap"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// maxMergeBaseWalk bounds the commits the merge base walk in Go reads
// before leaving the question to git: a pushed branch is usually a few
// commits from its target, and each commit read costs a pipe round trip.
// Commits already read are remembered (linkCache), so a branch pushed
// again costs only its new commits; maxMergeBaseVisits bounds the whole
// walk, remembered commits included.
const (
	maxMergeBaseWalk   = 400
	maxMergeBaseVisits = 20000
)

// linkCacheSize is how many commits' parents and dates are remembered per
// generation (two generations at most): a few MiB. An object id names its
// content, so what was read once holds for every repository and forever.
const linkCacheSize = 1 << 15

// links are what the walk needs of a commit.
type links struct {
	parents []string
	date    int64
}

// linkCache remembers links by commit id, in two generations: when the
// current one is full it becomes the old one, and the old one is dropped.
type linkCache struct {
	mu       sync.Mutex
	cur, old map[string]links
}

func (c *linkCache) get(id string) (links, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.cur[id]; ok {
		return l, true
	}
	l, ok := c.old[id]
	if ok {
		c.putLocked(id, l)
	}
	return l, ok
}

func (c *linkCache) put(id string, l links) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(id, l)
}

func (c *linkCache) putLocked(id string, l links) {
	if c.cur == nil || len(c.cur) >= linkCacheSize {
		c.old, c.cur = c.cur, make(map[string]links)
	}
	c.cur[id] = l
}

// WithCatFiles returns a copy of r that reads commits through c's
// long-lived cat-file process (Commit with a full object id, MergeBase and
// IsAncestor walk parents in Go). Whatever that cannot answer for certain
// is asked of a spawned git as before, so the answers are git's.
func (r *Repo) WithCatFiles(c *CatFiles) *Repo {
	out := *r
	out.catfiles = c
	return &out
}

// commitByID reads a commit by its full object id through the cat-file
// process; ok is false whenever a spawned git must answer instead.
func (r *Repo) commitByID(ctx context.Context, id string) (c *Commit, ok bool) {
	if r.catfiles == nil || !IsObjectID(id) {
		return nil, false
	}
	obj, err := r.catfiles.read(ctx, r.dir, id+"^{commit}")
	if err != nil || obj.kind != "commit" {
		return nil, false
	}
	c, err = parseCommit(obj.data)
	if err != nil {
		return nil, false
	}
	c.SHA = obj.oid
	return c, true
}

// Flags of the walk, as git's paint_down_to_common names them.
const (
	fromA uint8 = 1 << iota
	fromB
	stale
	result
)

type walkCommit struct {
	id      string
	date    int64
	parents []string
	flags   uint8
	read    bool
}

// mergeBaseInGo is git's paint_down_to_common over the cat-file process:
// paint a's ancestors and b's, note the commits both reach, and mark what
// lies below a found one stale; stop when only stale commits are left.
// Every best common ancestor is then among the noted commits that are not
// stale (a path to a best one never crosses a stale commit, as that would
// put it below another common ancestor), so when exactly one is left it is
// the merge base, and none means the histories are unrelated. Several
// candidates (a criss-cross, or a redundant one git's remove_redundant
// would drop), a walk over the bound, grafts, a shallow repository or any
// read that fails leave the answer to git: ok is false. The order of the
// walk (newest committer date first, as git's) only makes it short; the
// answer does not depend on it.
func (r *Repo) mergeBaseInGo(ctx context.Context, a, b string) (base string, found, ok bool) {
	if r.catfiles == nil || !IsObjectID(a) || !IsObjectID(b) || r.rewritesParents() {
		return "", false, false
	}
	seen := map[string]*walkCommit{}
	reads, visits := 0, 0
	// The two starts are always read from this repository, so that a
	// commit it lacks is git's error; their ancestors are in it too.
	get := func(id string, start bool) (*walkCommit, bool) {
		w := seen[id]
		if w == nil {
			w = &walkCommit{id: id}
			seen[id] = w
		}
		if w.read {
			return w, true
		}
		if visits++; visits > maxMergeBaseVisits {
			return nil, false
		}
		l, known := r.catfiles.links.get(id)
		if !known || start {
			if reads++; reads > maxMergeBaseWalk {
				return nil, false
			}
			obj, err := r.catfiles.read(ctx, r.dir, id)
			// A tag or anything but a commit is git's to peel or refuse.
			if err != nil || obj.kind != "commit" || obj.oid != id {
				return nil, false
			}
			var parsed bool
			if l.parents, l.date, parsed = commitLinks(obj.data); !parsed {
				return nil, false
			}
			r.catfiles.links.put(id, l)
		}
		w.parents, w.date = l.parents, l.date
		w.read = true
		return w, true
	}
	var q walkQueue
	for _, start := range []struct {
		id   string
		flag uint8
	}{{a, fromA}, {b, fromB}} {
		w, ok := get(start.id, true)
		if !ok {
			return "", false, false
		}
		if w.flags == 0 {
			heap.Push(&q, w)
		}
		w.flags |= start.flag
	}
	var results []*walkCommit
	for q.hasNonStale() {
		w := heap.Pop(&q).(*walkCommit)
		flags := w.flags & (fromA | fromB | stale)
		if flags == fromA|fromB {
			if w.flags&result == 0 {
				w.flags |= result
				results = append(results, w)
			}
			flags |= stale
		}
		for _, pid := range w.parents {
			p := seen[pid]
			if p != nil && p.flags&flags == flags {
				continue
			}
			p, ok := get(pid, false)
			if !ok {
				return "", false, false
			}
			p.flags |= flags
			heap.Push(&q, p)
		}
	}
	var best []string
	for _, w := range results {
		if w.flags&stale == 0 {
			best = append(best, w.id)
		}
	}
	switch len(best) {
	case 0:
		return "", false, true
	case 1:
		return best[0], true, true
	}
	return "", false, false
}

// rewritesParents reports whether the repository may show commits with
// other parents than they hold (grafts, a shallow repository): the walk
// in Go reads raw objects, so it leaves such repositories to git.
func (r *Repo) rewritesParents() bool {
	for _, name := range []string{"shallow", filepath.Join("info", "grafts")} {
		if _, err := os.Lstat(filepath.Join(r.dir, name)); err == nil || !os.IsNotExist(err) {
			return true
		}
	}
	return false
}

// commitLinks reads a raw commit's parents and committer date, all the
// walk needs.
func commitLinks(raw []byte) (parents []string, date int64, ok bool) {
	for len(raw) > 0 {
		line, rest, _ := bytes.Cut(raw, []byte("\n"))
		raw = rest
		if len(line) == 0 {
			break // the message follows
		}
		key, val, _ := bytes.Cut(line, []byte(" "))
		switch string(key) {
		case "parent":
			if !IsObjectID(string(val)) {
				return nil, 0, false
			}
			parents = append(parents, string(val))
		case "committer":
			// "Name <email> 1700000000 +0100"; a date git cannot read
			// only orders the walk differently.
			if end := bytes.LastIndexByte(val, '>'); end >= 0 {
				f := bytes.Fields(val[end+1:])
				if len(f) > 0 {
					date, _ = strconv.ParseInt(string(f[0]), 10, 64)
				}
			}
		}
	}
	return parents, date, true
}

// walkQueue pops the newest commit first, like git's date-ordered queue.
type walkQueue []*walkCommit

func (q walkQueue) Len() int           { return len(q) }
func (q walkQueue) Less(i, j int) bool { return q[i].date > q[j].date }
func (q walkQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *walkQueue) Push(x any)        { *q = append(*q, x.(*walkCommit)) }
func (q *walkQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	*q = old[:len(old)-1]
	return w
}

func (q walkQueue) hasNonStale() bool {
	for _, w := range q {
		if w.flags&stale == 0 {
			return true
		}
	}
	return false
}
