package metrics

import "sync"

// series remembers the child of a metric vector for each label tuple it
// was asked for, so that a request finds its counter with one map lookup
// instead of hashing and validating its labels again in the vector. Only
// handles are kept, never values: the children are the vector's own, and
// the label sets are bounded (see the package comment).
type series[K comparable, V any] struct {
	mu       sync.RWMutex
	children map[K]V
	child    func(K) V
}

func newSeries[K comparable, V any](child func(K) V) *series[K, V] {
	return &series[K, V]{children: map[K]V{}, child: child}
}

func (s *series[K, V]) get(k K) V {
	s.mu.RLock()
	v, ok := s.children[k]
	s.mu.RUnlock()
	if ok {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.children[k]; ok {
		return v
	}
	v = s.child(k)
	s.children[k] = v
	return v
}
