package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one git command unless WithTimeout says otherwise.
const DefaultTimeout = time.Minute

// MinVersion is the oldest git that has everything this package uses
// ("git merge-tree --write-tree" arrived in 2.38).
const MinVersion = "2.38"

// maxStderr bounds how much of git's standard error is kept for an error.
const maxStderr = 16 << 10

// Runner runs git commands with a hardened environment. It is safe for
// concurrent use.
type Runner struct {
	git     string
	home    string
	timeout time.Duration
	logger  *slog.Logger
}

// Option configures a Runner.
type Option interface{ apply(*Runner) }

type optionFunc func(*Runner)

func (f optionFunc) apply(r *Runner) { f(r) }

// WithGitPath runs the git binary at path instead of the one found on PATH.
func WithGitPath(path string) Option {
	return optionFunc(func(r *Runner) { r.git = path })
}

// WithTimeout bounds each command to d (DefaultTimeout otherwise). A
// deadline on the caller's context still applies when it is earlier.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(r *Runner) { r.timeout = d })
}

// NewRunner returns a Runner whose commands see home as their home
// directory. home is created (mode 0700) when missing; it should be a
// directory of its own, for example "<data-dir>/git-home", so that no
// configuration from a real user's home directory reaches git.
func NewRunner(home string, logger *slog.Logger, opts ...Option) (*Runner, error) {
	r := &Runner{home: home, timeout: DefaultTimeout, logger: logger}
	for _, o := range opts {
		o.apply(r)
	}
	if r.git == "" {
		path, err := exec.LookPath("git")
		if err != nil {
			return nil, fmt.Errorf("find git: %w", err)
		}
		r.git = path
	}
	abs, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("git home: %w", err)
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, fmt.Errorf("git home: %w", err)
	}
	r.home = abs
	return r, nil
}

// GitPath is the git binary the Runner runs.
func (r *Runner) GitPath() string { return r.git }

// Environ returns the environment of every git process: PATH and TMPDIR
// from this process and nothing else inherited (in particular no GIT_*
// variable), then the hardened settings: no system or global
// configuration, HOME and XDG_CONFIG_HOME in the Runner's private
// directory, no replace refs, the C locale (so that messages can be
// matched) and no terminal prompts. extra comes first, so it can add
// variables (GIT_DIR, GIT_AUTHOR_NAME, ...) but never override these.
func (r *Runner) Environ(extra ...string) []string {
	env := make([]string, 0, len(extra)+12)
	env = append(env, extra...)
	for _, k := range []string{"PATH", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	// os/exec and net/http/cgi both keep the last value of a duplicated
	// variable, so these win over anything in extra.
	return append(env,
		"HOME="+r.home,
		"XDG_CONFIG_HOME="+r.home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_ATTR_NOSYSTEM=1",
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C",
		"LANGUAGE=C",
	)
}

// RunOptions are the inputs and outputs of one command.
type RunOptions struct {
	// GitDir is the repository the command works on; empty for commands
	// outside any repository (init, version).
	GitDir string
	// Stdin feeds the command; nil means no input.
	Stdin io.Reader
	// Stdout receives the command's output; nil discards it.
	Stdout io.Writer
	// Env adds variables to the hardened environment (see Environ).
	Env []string
}

// Run runs c. It returns c's refused argument without starting git, and
// otherwise an *Error when git fails, times out or the context ends.
func (r *Runner) Run(ctx context.Context, c *Command, o RunOptions) error {
	if err := c.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()

	extra := o.Env
	dir := r.home
	if o.GitDir != "" {
		extra = append(extra[:len(extra):len(extra)], "GIT_DIR="+o.GitDir)
		dir = o.GitDir
	}
	cmd := exec.CommandContext(ctx, r.git, c.args...)
	cmd.Env = r.Environ(extra...)
	cmd.Dir = dir
	cmd.Stdin = o.Stdin
	cmd.Stdout = o.Stdout
	stderr := &capped{max: maxStderr}
	cmd.Stderr = stderr
	// Do not wait forever on a pipe a killed git left open.
	cmd.WaitDelay = time.Second

	start := time.Now()
	err := cmd.Run()
	if r.logger.Enabled(ctx, slog.LevelDebug) {
		r.logger.LogAttrs(ctx, slog.LevelDebug, "git",
			slog.String("cmd", c.String()),
			slog.Duration("duration", time.Since(start)),
			slog.Bool("ok", err == nil))
	}
	if err == nil {
		return nil
	}
	code := -1
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
	}
	return &Error{
		Args:     redactAll(c.args),
		ExitCode: code,
		Stderr:   Redact(strings.TrimSpace(stderr.String())),
		Err:      err,
	}
}

// output runs c and returns its standard output.
func (r *Runner) output(ctx context.Context, c *Command, o RunOptions) ([]byte, error) {
	var out bytes.Buffer
	o.Stdout = &out
	err := r.Run(ctx, c, o)
	return out.Bytes(), err
}

var versionRE = regexp.MustCompile(`^git version (\d+)\.(\d+)`)

// Version returns git's version, for example "2.39.5".
func (r *Runner) Version(ctx context.Context) (string, error) {
	out, err := r.output(ctx, NewCommand("version"), RunOptions{})
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "git version "), nil
}

// CheckVersion returns an error unless git is at least MinVersion, so that
// a server can refuse to start rather than fail at the first merge.
func (r *Runner) CheckVersion(ctx context.Context) error {
	out, err := r.output(ctx, NewCommand("version"), RunOptions{})
	if err != nil {
		return err
	}
	m := versionRE.FindStringSubmatch(string(out))
	if m == nil {
		return fmt.Errorf("cannot read git version from %q", strings.TrimSpace(string(out)))
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major < 2 || major == 2 && minor < 38 {
		return fmt.Errorf("git %s.%s is too old: need %s or newer", m[1], m[2], MinVersion)
	}
	return nil
}

// capped keeps the first max bytes written to it and drops the rest.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (c *capped) String() string { return c.buf.String() }
