package repository

import (
	"slices"
	"strings"
	"sync"

	"github.com/signalbox/signalbox/server/gitrepo"
)

// memoSize is how many answers of one kind a memo keeps per generation, so
// at most twice this many in all.
const memoSize = 4096

// maxMemoMessage is the longest commit message a memo keeps: payloads ask
// for the same head commit once per check, but a huge message is not worth
// holding.
const maxMemoMessage = 64 << 10

// memos remember what git answered about commits named by their full ids.
// Such answers never change, since an id names immutable content: whether
// two commits merge cleanly, their merge base, whether one contains the
// other, a commit itself. Viewing a merge request (every status check
// answer returns one) and queueing a delivery to each of a merge request's
// checks ask the same questions again and again, each a git process of a
// few milliseconds.
type memos struct {
	conflicts memo[[]string]
	mergeBase memo[string]
	ancestor  memo[bool]
	commit    memo[Commit]
}

func newMemos() *memos {
	return &memos{conflicts: newMemo[[]string](), mergeBase: newMemo[string](), ancestor: newMemo[bool](), commit: newMemo[Commit]()}
}

// memo is a bounded map with two generations: when the current one is full
// it becomes the previous one and the oldest answers are dropped; a hit in
// the previous one is carried over, so answers still asked for stay.
type memo[V any] struct {
	mu        sync.Mutex
	cur, prev map[string]V
}

func newMemo[V any]() memo[V] { return memo[V]{cur: map[string]V{}} }

func (m *memo[V]) get(key string) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.cur[key]; ok {
		return v, true
	}
	v, ok := m.prev[key]
	if ok {
		m.putLocked(key, v)
	}
	return v, ok
}

func (m *memo[V]) put(key string, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLocked(key, v)
}

func (m *memo[V]) putLocked(key string, v V) {
	if len(m.cur) >= memoSize {
		m.prev, m.cur = m.cur, make(map[string]V, memoSize)
	}
	m.cur[key] = v
}

// memoKey names a question about commits of the repository in dir; ok is
// false unless every commit is named by its full id (a branch name or an
// abbreviated id may name another commit tomorrow).
func memoKey(dir string, ids ...string) (string, bool) {
	for _, id := range ids {
		if !gitrepo.IsObjectID(id) {
			return "", false
		}
	}
	return dir + "\x00" + strings.Join(ids, "\x00"), true
}

// cloneCommit copies what callers might change.
func cloneCommit(c Commit) *Commit {
	c.ParentIDs = slices.Clone(c.ParentIDs)
	return &c
}
