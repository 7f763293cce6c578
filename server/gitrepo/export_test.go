package gitrepo

import "context"

// ForEachRef exposes the git answer that Refs's file reader must match.
func (r *Repo) ForEachRef(ctx context.Context, patterns ...string) (map[string]string, error) {
	return r.forEachRef(ctx, patterns...)
}

// ReadRefFiles exposes the file reader, and whether it answered.
func (r *Repo) ReadRefFiles(patterns ...string) (map[string]string, bool) {
	return readRefFiles(r.dir, patterns)
}

// CatFilePIDs lists the process ids of the live cat-file processes.
func (c *CatFiles) CatFilePIDs() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var pids []int
	for _, s := range c.slots {
		s.mu.Lock()
		if s.proc != nil {
			pids = append(pids, s.proc.pid())
		}
		s.mu.Unlock()
	}
	return pids
}

// MergeBaseInGo exposes the walk over the cat-file process: ok is false
// when it leaves the answer to git.
func (r *Repo) MergeBaseInGo(ctx context.Context, a, b string) (base string, found, ok bool) {
	return r.mergeBaseInGo(ctx, a, b)
}
