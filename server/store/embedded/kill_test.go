package embedded

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// killChildEnv names the data directory of a child that writes until it
// is killed.
const killChildEnv = "SIGNALBOX_EMBEDDED_KILL_CHILD_DIR"

// An acknowledged write outlives the process being killed (SIGKILL, no
// shutdown): whatever keeps compiled statements must not keep commits back.
// A child process INCRs a counter and, in a MULTI, a hash field, printing
// each value once go-redis has the reply; it is killed mid-stream, and the
// store opened again must hold at least the last value printed.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		writeUntilKilled(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestAcknowledgedWritesSurviveSIGKILL$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var acked int64
	// 300 replies, not a value of 300: a store that dropped commits would
	// answer 1 for ever.
	for replies := 0; replies < 300 && lines.Scan(); {
		line := lines.Text()
		if d, ok := strings.CutPrefix(line, "sockdir "); ok {
			t.Cleanup(func() { os.RemoveAll(d) })
			continue
		}
		if v, ok := strings.CutPrefix(line, "acked "); ok {
			replies++
			if acked, err = strconv.ParseInt(v, 10, 64); err != nil {
				t.Fatalf("child said %q", line)
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out)
	_ = cmd.Wait()
	if acked < 300 {
		t.Fatalf("the child acknowledged only %d writes before it stopped", acked)
	}

	srv, err := Start(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rdb := redis.NewClient(srv.Options())
	defer rdb.Close()
	ctx := context.Background()
	n, err := rdb.Get(ctx, "n").Int64()
	if err != nil || n < acked {
		t.Errorf("after SIGKILL n = %d, %v; the child had acknowledged %d", n, err, acked)
	}
	h, err := rdb.HGet(ctx, "h", "last").Int64()
	if err != nil || h < acked {
		t.Errorf("after SIGKILL h.last = %d, %v; the child had acknowledged %d", h, err, acked)
	}
	if _, err := os.Stat(filepath.Join(dir, DBFileName)); err != nil {
		t.Error(err)
	}
}

// writeUntilKilled is the child's side: it never returns on its own.
func writeUntilKilled(dir string) {
	srv, err := Start(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("sockdir %s\n", filepath.Dir(srv.sock))
	rdb := redis.NewClient(srv.Options())
	ctx := context.Background()
	for {
		n, err := rdb.Incr(ctx, "n").Result()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if _, err := rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
			tx.HSet(ctx, "h", "last", n)
			tx.SAdd(ctx, "s", n)
			return nil
		}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("acked %d\n", n)
	}
}
