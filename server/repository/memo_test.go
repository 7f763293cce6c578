package repository

import (
	"strconv"
	"testing"
)

func TestMemoKeepsRecentAnswersWithinItsBound(t *testing.T) {
	t.Parallel()
	m := newMemo[int]()
	m.put("first", 1)
	for i := range memoSize {
		m.put(strconv.Itoa(i), i)
	}
	// "first" went to the previous generation; asking brings it back.
	if v, ok := m.get("first"); !ok || v != 1 {
		t.Fatalf("first = %v, %v after one turnover", v, ok)
	}
	for i := range 2 * memoSize {
		m.put("x"+strconv.Itoa(i), i)
	}
	if _, ok := m.get("0"); ok {
		t.Fatal("an answer outlived two generations")
	}
	if n := len(m.cur) + len(m.prev); n > 2*memoSize {
		t.Fatalf("memo holds %d answers, bound is %d", n, 2*memoSize)
	}
}

func TestMemoKeyOnlyForFullIDs(t *testing.T) {
	t.Parallel()
	id := "0123456789abcdef0123456789abcdef01234567"
	if _, ok := memoKey("/r", id, id); !ok {
		t.Error("full ids refused")
	}
	for _, name := range []string{"main", id[:12], "0123456789ABCDEF0123456789ABCDEF01234567", "refs/heads/main"} {
		if _, ok := memoKey("/r", id, name); ok {
			t.Errorf("%q accepted: it may name another commit tomorrow", name)
		}
	}
	a, _ := memoKey("/a", id)
	b, _ := memoKey("/b", id)
	if a == b {
		t.Error("two repositories share a key")
	}
}
