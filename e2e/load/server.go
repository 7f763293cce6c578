package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/signalbox/signalbox/e2e/harness"
)

// serverConfig is how the server under test is started.
type serverConfig struct {
	Binary   string
	DataDir  string
	RedisURL string
	Token    string
	// LogLevel is passed as --log-level; the log goes to LogPath.
	LogLevel string
	LogPath  string
	// StatusCheckTimeout is the server's default pending timeout.
	StatusCheckTimeout time.Duration
	// AutoPipeline adds --redis-autopipeline.
	AutoPipeline bool
}

// serverProc is the running server.
type serverProc struct {
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startServer runs the binary on a loopback port it binds itself (port 0,
// read back from --addr-file) and waits until /-/readiness answers.
func startServer(ctx context.Context, cfg serverConfig) (*serverProc, error) {
	logFile, err := os.Create(cfg.LogPath)
	if err != nil {
		return nil, err
	}
	addrFile := filepath.Join(filepath.Dir(cfg.LogPath), "server.addr") // the data dir may not exist yet
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		logFile.Close()
		return nil, err
	}
	listen := []string{"--listen", "127.0.0.1:0", "--addr-file", addrFile}
	oldAddr := ""
	if !takesAddrFile(cfg.Binary) {
		// A build from before --addr-file (-binary measures other
		// commits): a port found free here and handed over, which another
		// process could take in between.
		if oldAddr, err = freeAddr(); err != nil {
			logFile.Close()
			return nil, err
		}
		listen = []string{"--listen", oldAddr}
	}
	args := append(listen,
		"--data-dir", cfg.DataDir,
		"--root-token", cfg.Token,
		"--allow-local-network", // the receivers are on loopback
		"--status-check-timeout", cfg.StatusCheckTimeout.String(),
		"--log-level", cfg.LogLevel,
	)
	if cfg.RedisURL != "" {
		args = append(args, "--redis-url", cfg.RedisURL)
	}
	if cfg.AutoPipeline {
		args = append(args, "--redis-autopipeline")
	}
	cmd := exec.Command(cfg.Binary, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &serverProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	addr := oldAddr
	if addr == "" {
		if addr, err = harness.AwaitAddrFile(addrFile, s.done, 60*time.Second); err != nil {
			s.Stop()
			return nil, fmt.Errorf("%v (log: %s)", err, cfg.LogPath)
		}
	}
	s.URL = "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.URL + "/-/readiness")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited before it was ready: %v (log: %s)", s.err, cfg.LogPath)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("server not ready after 60s (log: %s)", cfg.LogPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Pid is the server's process id, for /proc.
func (s *serverProc) Pid() int { return s.cmd.Process.Pid }

// Exited reports whether the server has exited, and how.
func (s *serverProc) Exited() (bool, error) {
	select {
	case <-s.done:
		return true, s.err
	default:
		return false, nil
	}
}

// Stop asks the server to shut down and kills it after 10 s.
func (s *serverProc) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// takesAddrFile reports whether the binary has --addr-file, from its usage.
func takesAddrFile(bin string) bool {
	out, _ := exec.Command(bin, "-h").CombinedOutput()
	return strings.Contains(string(out), "-addr-file")
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
