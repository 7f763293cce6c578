package repository

import (
	"context"
	"os"
	"path/filepath"
)

// Remove deletes project id's repository, as the last step of deleting the
// project; a repository that is gone already is no error, so a deletion cut
// short can run again.
func (g *Git) Remove(_ context.Context, projectID int64) error {
	dir, err := filepath.Abs(g.Dir(projectID))
	if err != nil {
		return err
	}
	g.catFiles.Forget(dir)
	return os.RemoveAll(dir)
}
