package redisstore

import (
	"strconv"
	"strings"
	"sync"
)

// maxGuesses bounds the guesses one replica keeps. When full it forgets
// them all: a forgotten guess costs a round trip, never a wrong answer.
const maxGuesses = 1 << 14

// guesses remembers, on this replica, what earlier prefetches found for the
// inputs of their later rounds: the user of a token, the id of a project
// path, the head and author of a merge request, the checks of a project,
// the pipelines of a head. A prefetch queues the reads those inputs lead to
// in its first round, beside the reads of the inputs themselves.
//
// A guess only chooses which keys are read. Every value a call uses is still
// read in that call: when the inputs read turn out different from the guess
// (a revoked token, a pushed head, a deleted check), the next round reads
// what they lead to, as it would have without a guess, and the reads the
// guess led to are merely unused. So nothing is served from memory, and a
// change on another replica shows on the very next call here.
type guesses struct {
	mu sync.RWMutex
	m  map[string]string
}

func newGuesses() *guesses { return &guesses{m: map[string]string{}} }

func (g *guesses) get(key string) (string, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	v, ok := g.m[key]
	return v, ok
}

// put remembers v for key, or forgets key when v is empty.
func (g *guesses) put(key, v string) {
	if old, ok := g.get(key); ok == (v != "") && old == v {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if v == "" {
		delete(g.m, key)
		return
	}
	if len(g.m) >= maxGuesses {
		clear(g.m)
	}
	g.m[key] = v
}

// The keys of the guesses, by what they guess.

func guessUser(tokenHash string) string           { return "user " + tokenHash }
func guessProject(path string) string             { return "project " + path }
func guessHead(pid, iid int64) string             { return "head " + id(pid) + " " + id(iid) }
func guessChecks(pid int64) string                { return "checks " + id(pid) }
func guessPipelines(pid int64, sha string) string { return "pipelines " + id(pid) + " " + sha }

// int64Guess reads a guessed id.
func (g *guesses) int64Guess(key string) (int64, bool) {
	v, ok := g.get(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// listGuess reads a guessed list of names.
func (g *guesses) listGuess(key string) []string {
	v, ok := g.get(key)
	if !ok {
		return nil
	}
	return strings.Split(v, ",")
}

// headGuess is a merge request's guessed head and author.
func (g *guesses) headGuess(pid, iid int64) (sha string, author int64, ok bool) {
	v, ok := g.get(guessHead(pid, iid))
	if !ok {
		return "", 0, false
	}
	sha, a, ok := strings.Cut(v, " ")
	if !ok {
		return "", 0, false
	}
	author, err := strconv.ParseInt(a, 10, 64)
	return sha, author, err == nil
}
