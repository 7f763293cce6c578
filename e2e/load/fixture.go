package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// target is one merge request the load is spread over, with the checks that
// apply to it.
type target struct {
	ProjectID int64
	IID       int64
	SHA       string
	CheckIDs  []int64
}

// env is what every phase needs to set things up.
type env struct {
	rest    *restClient
	baseURL string
	token   string
	workDir string
	// dataDir is the server's, where the load tool reads when a push's ref
	// update landed.
	dataDir string
}

// remote is the clone URL of a project, with the token as the password.
func (e *env) remote(path string) string {
	return strings.Replace(e.baseURL, "http://", "http://root:"+e.token+"@", 1) + "/" + path + ".git"
}

// project creates a project and a worktree that pushes to it.
func (e *env) project(ctx context.Context, name string) (projectEntity, *worktree, error) {
	p, err := e.rest.createProject(ctx, name)
	if err != nil {
		return p, nil, err
	}
	w, err := newWorktree(ctx, filepath.Join(e.workDir, "git", name), e.remote(p.PathWithNamespace))
	return p, w, err
}

// setupLoadTargets makes projects, each with checks (answered by sink) and
// merge requests from branches pushed with git, and returns every merge
// request as a load target.
func setupLoadTargets(ctx context.Context, e *env, projects, mrsPerProject, checksPerProject int, sink *receiver) ([]target, error) {
	var targets []target
	for pi := range projects {
		p, w, err := e.project(ctx, fmt.Sprintf("load%d", pi))
		if err != nil {
			return nil, err
		}
		var checkIDs []int64
		for ci := range checksPerProject {
			// One receiver serves them all; the path keeps each URL
			// unique in the project, as the server requires.
			id, err := e.rest.createCheck(ctx, p.ID, fmt.Sprintf("check-%d", ci),
				fmt.Sprintf("%s/%d/%d", sink.URL, p.ID, ci), string(sink.secret), 0)
			if err != nil {
				return nil, err
			}
			checkIDs = append(checkIDs, id)
		}
		if _, err := w.commitFile(ctx, "main", "", "README", "load\n"); err != nil {
			return nil, err
		}
		branches := []string{"main"}
		for mi := range mrsPerProject {
			b := fmt.Sprintf("feature-%d", mi)
			if _, err := w.commitFile(ctx, b, "main", b+".txt", b+"\n"); err != nil {
				return nil, err
			}
			branches = append(branches, b)
		}
		if err := w.pushBranches(ctx, branches...); err != nil {
			return nil, err
		}
		for _, b := range branches[1:] {
			mr, err := e.rest.createMergeRequest(ctx, p.ID, b, "main", "Load "+b)
			if err != nil {
				return nil, err
			}
			targets = append(targets, target{ProjectID: p.ID, IID: mr.IID, SHA: mr.SHA, CheckIDs: checkIDs})
		}
	}
	return targets, nil
}
