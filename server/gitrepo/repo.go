package gitrepo

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/signalbox/signalbox/server/gitrepo/internal/gitarg"
)

// Repo is a bare repository on disk. It holds no state beyond its path
// (and perhaps a shared CatFiles), so
// any number of Repos (and processes) may work on one directory; refs are
// kept consistent by UpdateRef's compare-and-swap.
type Repo struct {
	runner *Runner
	dir    string
	// catfiles, when set, answers commit reads without a process (see
	// WithCatFiles).
	catfiles *CatFiles
}

// serverConfig is what Init writes into every repository: the settings a
// server needs rather than git's defaults for a person's clone.
func serverConfig() [][2]gitarg.Trusted {
	return [][2]gitarg.Trusted{
		// Force pushes to unprotected branches are allowed, as on GitLab;
		// protection is githttp's decision, made before git runs.
		{"receive.denyNonFastForwards", "false"},
		// Branch moves are kept in the reflog: an audit of where each branch
		// was (a merge train's target only ever at tested commits).
		{"core.logAllRefUpdates", "true"},
		// http-backend allows pushes without REMOTE_USER only with this;
		// githttp has already authenticated the pusher.
		{"http.receivepack", "true"},
		{"http.getanyfile", "false"},
		{"uploadpack.allowFilter", "true"},
	}
}

// Open returns the repository at dir without touching the disk.
func (r *Runner) Open(dir string) *Repo {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return &Repo{runner: r, dir: dir}
}

// Init creates a bare repository at dir whose HEAD is defaultBranch, with
// the settings of a server (see the package source for the list) and no
// sample hooks. Running it on an existing repository keeps its refs and
// objects and writes the settings again.
func (r *Runner) Init(ctx context.Context, dir, defaultBranch string) (*Repo, error) {
	if err := ValidateBranchName(defaultBranch); err != nil {
		return nil, err
	}
	repo := r.Open(dir)
	// An empty --template leaves out the sample hooks and the description.
	c := NewCommand("init", "--bare", "--quiet", "--template=").
		AddOptionValue("--initial-branch", defaultBranch).
		EndOfOptions().AddDynamic(repo.dir)
	if err := r.Run(ctx, c, RunOptions{}); err != nil {
		return nil, err
	}
	for _, kv := range serverConfig() {
		if err := repo.run(ctx, NewCommand("config", kv[0], kv[1]), nil, nil); err != nil {
			return nil, err
		}
	}
	return repo, nil
}

// Dir is the repository's absolute path.
func (r *Repo) Dir() string { return r.dir }

// Run runs c on this repository with stdin as its input (nil for none) and
// returns its standard output. It is for the odd command this package does
// not wrap; the wrapped operations are preferred.
func (r *Repo) Run(ctx context.Context, c *Command, stdin io.Reader) ([]byte, error) {
	return r.runner.output(ctx, c, RunOptions{GitDir: r.dir, Stdin: stdin})
}

func (r *Repo) run(ctx context.Context, c *Command, stdin io.Reader, env []string) error {
	return r.runner.Run(ctx, c, RunOptions{GitDir: r.dir, Stdin: stdin, Env: env})
}

func (r *Repo) output(ctx context.Context, c *Command, stdin io.Reader, env []string) ([]byte, error) {
	return r.runner.output(ctx, c, RunOptions{GitDir: r.dir, Stdin: stdin, Env: env})
}

// DefaultBranch returns the branch HEAD points at, for example "main".
func (r *Repo) DefaultBranch(ctx context.Context) (string, error) {
	out, err := r.output(ctx, NewCommand("symbolic-ref", "HEAD"), nil, nil)
	if err != nil {
		return "", err
	}
	ref := strings.TrimSpace(string(out))
	name, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		return "", fmt.Errorf("HEAD points at %q, not a branch", ref)
	}
	return name, nil
}

// SetDefaultBranch points HEAD at branch, which need not exist yet.
func (r *Repo) SetDefaultBranch(ctx context.Context, branch string) error {
	if err := ValidateBranchName(branch); err != nil {
		return err
	}
	c := NewCommand("symbolic-ref").EndOfOptions().AddArgs("HEAD").AddDynamic(BranchRef(branch))
	return r.run(ctx, c, nil, nil)
}
