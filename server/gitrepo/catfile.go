package gitrepo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of a CatFiles.
const (
	// DefaultCatFileIdle is how long a repository's cat-file process lives
	// unused: long enough to serve a push's follow-up and the dispatch
	// after it, short enough not to hold processes for quiet projects.
	DefaultCatFileIdle = 10 * time.Second
	// DefaultCatFileMax bounds the cat-file processes alive at once.
	DefaultCatFileMax = 64
)

// errCatFileClosed means the CatFiles was closed; callers spawn instead.
var errCatFileClosed = errors.New("cat-file processes closed")

// CatFiles keeps one long-lived "git cat-file --batch" per repository, as
// Gitaly's catfile cache does, so that reading a commit costs a pipe round
// trip instead of a git process (tens of milliseconds of CPU on a small
// machine). Requests on one repository take turns on its process. A
// process is restarted after any error, stopped after being idle for a
// while, and every one is stopped by Close. Git looks again at the
// repository's packs when an object is missing, so objects pushed while the
// process runs are found. It is safe for concurrent use.
type CatFiles struct {
	runner *Runner
	idle   time.Duration
	max    int

	// links remembers the commits the merge base walk has read.
	links linkCache

	mu     sync.Mutex
	slots  map[string]*catFileSlot // by repository directory
	closed bool
}

// CatFilesOption configures a CatFiles.
type CatFilesOption func(*CatFiles)

// WithCatFileIdle stops a repository's process after d unused.
func WithCatFileIdle(d time.Duration) CatFilesOption { return func(c *CatFiles) { c.idle = d } }

// WithCatFileMax keeps at most n processes alive; the least recently used
// idle one is stopped to make room.
func WithCatFileMax(n int) CatFilesOption { return func(c *CatFiles) { c.max = max(n, 1) } }

// NewCatFiles returns an empty cache that starts processes with runner.
func NewCatFiles(runner *Runner, opts ...CatFilesOption) *CatFiles {
	c := &CatFiles{runner: runner, idle: DefaultCatFileIdle, max: DefaultCatFileMax, slots: map[string]*catFileSlot{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Close stops every process and waits for them to exit. Reads after Close
// fall back to spawning git.
func (c *CatFiles) Close() error {
	c.mu.Lock()
	c.closed = true
	slots := c.slots
	c.slots = map[string]*catFileSlot{}
	c.mu.Unlock()
	for _, s := range slots {
		s.stop()
	}
	return nil
}

// Forget stops the process of the repository at dir, for a repository
// about to be deleted.
func (c *CatFiles) Forget(dir string) {
	c.mu.Lock()
	s := c.slots[dir]
	delete(c.slots, dir)
	c.mu.Unlock()
	if s != nil {
		s.stop()
	}
}

// Running counts the live processes, for tests and metrics.
func (c *CatFiles) Running() int {
	c.mu.Lock()
	slots := make([]*catFileSlot, 0, len(c.slots))
	for _, s := range c.slots {
		slots = append(slots, s)
	}
	c.mu.Unlock()
	n := 0
	for _, s := range slots {
		s.mu.Lock()
		if s.proc != nil {
			n++
		}
		s.mu.Unlock()
	}
	return n
}

// slot returns the repository's slot, making room when too many run.
func (c *CatFiles) slot(dir string) (*catFileSlot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errCatFileClosed
	}
	if s, ok := c.slots[dir]; ok {
		return s, nil
	}
	if len(c.slots) >= c.max {
		c.evictLocked()
	}
	s := &catFileSlot{owner: c, dir: dir}
	c.slots[dir] = s
	return s, nil
}

// evictLocked drops the least recently used slot that is not busy; its
// process stops in the background.
func (c *CatFiles) evictLocked() {
	var oldest *catFileSlot
	var oldestDir string
	var oldestUse time.Time
	for dir, s := range c.slots {
		if !s.mu.TryLock() {
			continue
		}
		used := s.lastUse
		s.mu.Unlock()
		if oldest == nil || used.Before(oldestUse) {
			oldest, oldestDir, oldestUse = s, dir, used
		}
	}
	if oldest != nil {
		delete(c.slots, oldestDir)
		go oldest.stop()
	}
}

// object is one answer of cat-file --batch.
type object struct {
	oid, kind string
	data      []byte
}

// errMissing is cat-file's "missing" answer; callers ask a spawned git,
// whose answer is the one that counts.
var errMissing = errors.New("cat-file: object missing")

// read asks the repository's process for the object name names (a full
// object id, perhaps with "^{commit}"). Any error but errMissing has
// stopped the process; the next read starts another.
func (c *CatFiles) read(ctx context.Context, dir, name string) (object, error) {
	s, err := c.slot(dir)
	if err != nil {
		return object{}, err
	}
	return s.read(ctx, name)
}

// catFileSlot is one repository's process, started when first needed.
type catFileSlot struct {
	owner *CatFiles
	dir   string

	mu      sync.Mutex // one request at a time on the pipes
	proc    *catFileProc
	lastUse time.Time
	idle    *time.Timer
	stopped bool // forgotten or closed: no new process
}

func (s *catFileSlot) read(ctx context.Context, name string) (object, error) {
	if err := ctx.Err(); err != nil {
		return object{}, err // before the pipe: the process is fine
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return object{}, errCatFileClosed
	}
	if s.proc == nil {
		p, err := startCatFile(s.owner.runner, s.dir)
		if err != nil {
			return object{}, err
		}
		s.proc = p
	}
	s.lastUse = time.Now()
	s.armIdleLocked()
	ctx, cancel := context.WithTimeout(ctx, s.owner.runner.timeout)
	defer cancel()
	obj, err := s.proc.request(ctx, name)
	if err != nil && !errors.Is(err, errMissing) {
		// The pipe's state is unknown after any failure: never reuse it.
		s.owner.runner.logger.Debug("git cat-file restarts", "dir", s.dir, "err", err)
		s.proc.stop()
		s.proc = nil
	}
	return obj, err
}

// armIdleLocked (re)starts the idle timer.
func (s *catFileSlot) armIdleLocked() {
	if s.idle != nil {
		s.idle.Reset(s.owner.idle)
		return
	}
	s.idle = time.AfterFunc(s.owner.idle, s.stopIfIdle)
}

func (s *catFileSlot) stopIfIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	if left := s.owner.idle - time.Since(s.lastUse); left > 0 {
		s.idle.Reset(left)
		return
	}
	s.proc.stop()
	s.proc = nil
}

// stop ends the process for good and waits for it.
func (s *catFileSlot) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.idle != nil {
		s.idle.Stop()
	}
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
}

// catFileProc is a running "git cat-file --batch".
type catFileProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *capped
	waited chan struct{}
	err    error // Wait's, once waited is closed
}

func startCatFile(r *Runner, dir string) (*catFileProc, error) {
	// Not tied to any request's context: the process outlives requests,
	// and a request that ends mid-answer kills it itself (see request).
	cmd := exec.Command(r.git, "cat-file", "--batch")
	cmd.Env = r.Environ("GIT_DIR=" + dir)
	cmd.Dir = dir
	p := &catFileProc{cmd: cmd, stderr: &capped{max: maxStderr}, waited: make(chan struct{})}
	cmd.Stderr = p.stderr
	cmd.WaitDelay = time.Second
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdout = bufio.NewReaderSize(stdout, 64<<10)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start git cat-file: %w", err)
	}
	r.logger.Debug("git cat-file started", "dir", dir, "pid", cmd.Process.Pid)
	go func() {
		p.err = cmd.Wait()
		close(p.waited)
	}()
	return p, nil
}

// request writes one name and reads its answer. A context that ends
// mid-answer kills the process, which ends the read.
func (p *catFileProc) request(ctx context.Context, name string) (object, error) {
	if err := ctx.Err(); err != nil {
		return object{}, err
	}
	stopKill := context.AfterFunc(ctx, func() { _ = p.cmd.Process.Kill() })
	defer stopKill()
	obj, err := p.exchange(name)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return object{}, ctxErr
		}
		if stderr := strings.TrimSpace(p.stderr.String()); stderr != "" {
			return object{}, fmt.Errorf("git cat-file: %w: %s", err, Redact(stderr))
		}
		return object{}, fmt.Errorf("git cat-file: %w", err)
	}
	return obj, nil
}

func (p *catFileProc) exchange(name string) (object, error) {
	if _, err := io.WriteString(p.stdin, name+"\n"); err != nil {
		return object{}, err
	}
	header, err := p.stdout.ReadString('\n')
	if err != nil {
		return object{}, err
	}
	fields := strings.Fields(header)
	switch {
	case len(fields) == 2 && fields[0] == name && fields[1] == "missing":
		return object{}, errMissing
	case len(fields) != 3 || !IsObjectID(fields[0]):
		return object{}, fmt.Errorf("unexpected answer %q", header)
	}
	size, err := strconv.Atoi(fields[2])
	if err != nil || size < 0 {
		return object{}, fmt.Errorf("unexpected answer %q", header)
	}
	data := make([]byte, size+1) // and the newline after the object
	if _, err := io.ReadFull(p.stdout, data); err != nil {
		return object{}, err
	}
	if data[size] != '\n' {
		return object{}, fmt.Errorf("object %s not followed by a newline", fields[0])
	}
	return object{oid: fields[0], kind: fields[1], data: data[:size]}, nil
}

// stop closes the process's input, which ends it, and waits; a process
// that does not end within a second is killed.
func (p *catFileProc) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.waited:
		return
	case <-time.After(time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.waited
}

// pid is the process id, for tests.
func (p *catFileProc) pid() int { return p.cmd.Process.Pid }
