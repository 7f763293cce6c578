package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/signalbox/signalbox/server/store/embedded"
)

// ceilingCommand is the first argument that makes this binary the ceiling
// server instead of the load tool.
const ceilingCommand = "ceiling-server"

// The ceiling server is what a request could cost at best on this machine:
// net/http, encoding/json on the way in and out, and trips sequential
// go-redis SETs (one by default), nothing else. It runs as a process of its
// own, like the server, against the same store, so the server's req/s over
// the ceiling's, measured in the same run at the same concurrency, says how
// much of the machine's limit the server reaches.

// ceilingProc is a running ceiling server.
type ceilingProc struct {
	URL   string
	Trips int
	cmd   *exec.Cmd
}

// startCeiling runs this binary as a ceiling server with trips round trips
// per request, against redisURL, or against an embedded store in dir when
// redisURL is empty.
func startCeiling(ctx context.Context, redisURL, dir string, trips int) (*ceilingProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{ceilingCommand, "-trips", strconv.Itoa(trips)}
	if redisURL != "" {
		args = append(args, "-redis-url", redisURL)
	} else {
		args = append(args, "-embedded-dir", dir)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("ceiling server did not start: %q %v", line, err)
	}
	return &ceilingProc{URL: "http://" + addr, Trips: trips, cmd: cmd}, nil
}

// Stop ends the ceiling server.
func (c *ceilingProc) Stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// runCeiling is the ceiling server's main.
func runCeiling(args []string) int {
	fs := flag.NewFlagSet(ceilingCommand, flag.ContinueOnError)
	redisURL := fs.String("redis-url", "", "the Redis to SET in")
	embeddedDir := fs.String("embedded-dir", "", "start an embedded store in this directory instead")
	trips := fs.Int("trips", 1, "sequential SETs per request")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var opts *redis.Options
	if *redisURL != "" {
		o, err := redis.ParseURL(*redisURL)
		if err != nil {
			logger.Error("ceiling", "error", err)
			return 1
		}
		// As the server sets them (server/app).
		o.ReadTimeout, o.WriteTimeout, o.ContextTimeoutEnabled = 5*time.Second, 5*time.Second, true
		opts = o
	} else {
		srv, err := embedded.Start(*embeddedDir, logger)
		if err != nil {
			logger.Error("ceiling", "error", err)
			return 1
		}
		defer srv.Close()
		opts = srv.Options()
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		logger.Error("ceiling", "error", err)
		return 1
	}
	fmt.Printf("listening %s\n", ln.Addr())
	srv := &http.Server{Handler: ceilingHandler(rdb, *trips), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("ceiling", "error", err)
		return 1
	}
	return 0
}

// ceilingBody is the JSON a POST sends (the status check response's) and
// what both methods answer with.
type ceilingBody struct {
	ID                     int64  `json:"id"`
	ExternalStatusCheckID  int64  `json:"external_status_check_id"`
	SHA                    string `json:"sha"`
	Status                 string `json:"status"`
	MergeRequestIID        int64  `json:"merge_request_iid,omitempty"`
	ExternalStatusCheckURL string `json:"external_url,omitempty"`
}

// ceilingHandler decodes a POST's JSON body, makes trips SETs one after
// another, and answers JSON: 201 to a POST, 200 to anything else, as the
// measured endpoints do.
func ceilingHandler(rdb *redis.Client, trips int) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in ceilingBody
		status := http.StatusOK
		if r.Method == http.MethodPost {
			status = http.StatusCreated
			if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
				http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
				return
			}
		}
		id := n.Add(1)
		key := "ceiling:" + strconv.FormatInt(id%100000, 10)
		for range trips {
			if err := rdb.Set(r.Context(), key, r.URL.Path, 0).Err(); err != nil {
				http.Error(w, `{"error":"redis"}`, http.StatusServiceUnavailable)
				return
			}
		}
		in.ID = id
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(in)
	})
}
