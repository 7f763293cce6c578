// Package harness runs the real server binary for end-to-end tests: it
// builds it once, starts it with flags, waits until it answers, collects its
// output, and stops it with a signal or kills it.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles ./server into dir and returns the binary's path. Call it
// once, from TestMain.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "signalbox")
	cmd := exec.Command("go", "build", "-o", bin, "./server")
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./server: %v\n%s", err, out)
	}
	return bin, nil
}

// repoRoot is the module root, found from this package's directory.
func repoRoot() string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}

// RepoRoot is the module root.
func RepoRoot() string { return repoRoot() }

// Server is a running server process.
type Server struct {
	URL  string
	Addr string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

// Start runs the binary with args on a loopback port that the server binds
// itself (--listen 127.0.0.1:0, the port read back from --addr-file), and
// waits until /-/readiness answers. The process is killed when t ends.
func Start(t testing.TB, bin string, env []string, args ...string) *Server {
	t.Helper()
	return StartIn(t, "", bin, env, args...)
}

// StartIn is Start with dir as the working directory ("" for the test's),
// where the default --data-dir, ./data, lives.
func StartIn(t testing.TB, dir, bin string, env []string, args ...string) *Server {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--addr-file", addrFile}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	s := &Server{cmd: cmd, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.out.Write(p)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.mu.Lock()
			s.out.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if !t.Failed() {
			s.Kill()
			return
		}
		state := s.dumpAndKill()
		t.Logf("server output:\n%s\nserver at the end of the failed test: %s", s.Output(), state)
	})
	addr, err := AwaitAddrFile(addrFile, s.done, 60*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.Output())
	}
	s.Addr, s.URL = addr, "http://"+addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.URL + "/-/readiness")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("server exited before it was ready: %v\n%s", s.err, s.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 60s:\n%s", s.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Output is everything the server printed so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

var tokenLine = regexp.MustCompile(`(?m)^\s+(glpat-\S+)\s*$`)

// AwaitRootToken waits up to 10 s for the root token that a first start
// prints on standard output, which is read apart from the log and may
// arrive after readiness; it fails t without one.
func (s *Server) AwaitRootToken(t testing.TB) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if token := s.PrintedRootToken(); token != "" {
			return token
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first start prints the root token, and none came:\n%s", s.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// PrintedRootToken is the root token the server printed on its first start.
func (s *Server) PrintedRootToken() string {
	m := tokenLine.FindStringSubmatch(s.Output())
	if m == nil {
		return ""
	}
	return m[1]
}

// Stop sends SIGTERM and waits for the process to exit, returning its exit
// error (nil for a clean exit).
func (s *Server) Stop(timeout time.Duration) error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.err
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("server did not stop within %s", timeout)
	}
}

// Wait waits up to timeout for the process to exit by itself and returns
// its exit error; it fails when the process is still running.
func (s *Server) Wait(timeout time.Duration) (error, bool) {
	select {
	case <-s.done:
		return s.err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// dumpAndKill ends the process after a failed test and says what state it
// was in: one that had already exited gives its exit status; one still
// running is asked for a goroutine dump first (SIGQUIT), so that a hang
// shows where it waits.
func (s *Server) dumpAndKill() string {
	select {
	case <-s.done:
		return fmt.Sprintf("it had exited by itself (%v)", s.err)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
		return "still running; its goroutines are dumped above"
	case <-time.After(5 * time.Second):
		s.Kill()
		return "still running, and it did not dump its goroutines within 5s"
	}
}

// Kill ends the process at once, as a crash would.
func (s *Server) Kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// AwaitAddrFile waits up to timeout for the address a server started with
// --addr-file path writes there once it has bound its port. exited is
// closed when the process exits, which ends the wait with an error.
func AwaitAddrFile(path string, exited <-chan struct{}, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		raw, err := os.ReadFile(path)
		if err == nil {
			return strings.TrimSpace(string(raw)), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		select {
		case <-exited:
			return "", errors.New("server exited before it listened")
		default:
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("server wrote no address to %s within %s", path, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Shell runs a bash script with env, from the repository root, and returns
// its combined output.
func Shell(ctx context.Context, script string, env ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
