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
