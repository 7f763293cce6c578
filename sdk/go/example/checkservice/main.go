// Command checkservice is a small external status check for Signalbox (or
// GitLab), built on the receiver SDK. It verifies each request, decides from
// the merge request's title, answers 202 at once, and posts the verdict for
// the request's sha through Signalbox's API: the head, or a merge train
// car's commit when the project has status checks follow the train (a
// notice that such a car is obsolete is logged and needs no answer).
//
// The decision rule, first match wins, tags case-insensitive:
//
//	title contains "[error]"           answer HTTP 500 and post nothing (Signalbox retries)
//	title contains "[silent]"          answer 202 and post nothing (the check stays pending)
//	title contains "[pending]"         post pending
//	title contains "[fail-train]"      post failed for a merge train car's
//	                                   commit, passed for the head
//	title contains "[fail]", or starts
//	with "Draft:", "[Draft]", "(Draft)" post failed
//	anything else                      post passed
//
// See README.md for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/signalbox/signalbox/sdk/go/receiver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "checkservice:", err)
		os.Exit(1)
	}
}

// config is the command line, each flag defaulting to its environment
// variable.
type config struct {
	listen           string
	path             string
	secret           string
	signalboxURL     string
	token            string
	requireTimestamp bool
	logLevel         slog.Level
	shutdownTimeout  time.Duration
}

func parseConfig(args []string, getenv func(string) string, output io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var cfg config
	var logLevel string
	fs := flag.NewFlagSet("checkservice", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.listen, "listen", env("CHECKSERVICE_LISTEN", "127.0.0.1:8090"), "address to listen on (`host:port`; port 0 picks one) [CHECKSERVICE_LISTEN]")
	fs.StringVar(&cfg.path, "path", env("CHECKSERVICE_PATH", "/hook"), "URL path of the webhook [CHECKSERVICE_PATH]")
	fs.StringVar(&cfg.secret, "secret", env("CHECKSERVICE_SECRET", ""), "the check's shared secret; empty accepts unsigned requests; prefer the variable, flags show in ps [CHECKSERVICE_SECRET]")
	fs.StringVar(&cfg.signalboxURL, "signalbox-url", env("SIGNALBOX_URL", "http://127.0.0.1:8080"), "base URL of the Signalbox server [SIGNALBOX_URL]")
	fs.StringVar(&cfg.token, "token", env("SIGNALBOX_TOKEN", ""), "personal access token (api scope, Developer or above) [SIGNALBOX_TOKEN]")
	fs.BoolVar(&cfg.requireTimestamp, "require-timestamp", env("CHECKSERVICE_REQUIRE_TIMESTAMP", "") == "true", "refuse requests without a Standard Webhooks signature (GitLab sends none) [CHECKSERVICE_REQUIRE_TIMESTAMP]")
	fs.StringVar(&logLevel, "log-level", env("CHECKSERVICE_LOG_LEVEL", "info"), "debug, info, warn or error [CHECKSERVICE_LOG_LEVEL]")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long to finish requests and pending answers on SIGTERM")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if err := cfg.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return config{}, fmt.Errorf("--log-level: %w", err)
	}
	if cfg.token == "" {
		return config{}, errors.New("--token (or SIGNALBOX_TOKEN) is required to post verdicts")
	}
	if !strings.HasPrefix(cfg.path, "/") {
		return config{}, errors.New("--path must start with /")
	}
	return cfg, nil
}

// run parses the command line, listens, and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	responder := receiver.NewHTTPResponder(&http.Client{Timeout: 30 * time.Second}, cfg.signalboxURL, cfg.token)
	return serve(ctx, ln, cfg, responder, logger)
}

// serve answers on ln until ctx is done, then shuts down gracefully: it
// stops accepting, finishes requests in flight, and waits for verdicts still
// being posted, all within cfg.shutdownTimeout.
func serve(ctx context.Context, ln net.Listener, cfg config, responder *receiver.Responder, logger *slog.Logger) error {
	// Verdicts are posted after the request is answered, so they must not
	// die with it; they stop only when shutdown runs out of time.
	posting, stopPosting := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPosting()
	svc := &service{responder: responder, logger: logger, ctx: posting}

	var opts []receiver.Option
	if cfg.requireTimestamp {
		opts = append(opts, receiver.WithRequireTimestamp(true))
	}
	mux := http.NewServeMux()
	mux.Handle(cfg.path, receiver.NewHandler(receiver.NewVerifier([]byte(cfg.secret), opts...), svc.handle, logger))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	logger.Info("listening", "addr", ln.Addr().String(), "path", cfg.path,
		"signalbox_url", cfg.signalboxURL, "signed", cfg.secret != "")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	svc.close()
	done := make(chan struct{})
	go func() { svc.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutdownCtx.Done():
		stopPosting()
		<-done
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("shutdown timed out; some requests were cut off")
	}
	return err
}

// verdict is what the check decides for a merge request.
type verdict int

const (
	verdictPass verdict = iota
	verdictFail
	verdictPending
	verdictSilent
	verdictError
)

// String names the verdict for logs.
func (v verdict) String() string {
	return [...]string{"passed", "failed", "pending", "silent", "error"}[v]
}

// decide is the whole policy, a pure function of the title (and of whether
// a merge train car's commit is asked about) so that tests, end-to-end ones
// included, can pick the verdict by naming the merge request.
func decide(title string, car bool) verdict {
	t := strings.ToLower(title)
	switch {
	case strings.Contains(t, "[error]"):
		return verdictError
	case strings.Contains(t, "[silent]"):
		return verdictSilent
	case strings.Contains(t, "[pending]"):
		return verdictPending
	case strings.Contains(t, "[fail-train]"):
		if car {
			return verdictFail
		}
		return verdictPass
	case strings.Contains(t, "[fail]"),
		strings.HasPrefix(t, "draft:"), strings.HasPrefix(t, "[draft]"), strings.HasPrefix(t, "(draft)"):
		return verdictFail
	}
	return verdictPass
}

// Errors that make the handler answer 500, so that Signalbox tries again.
var (
	errAskedToFail  = errors.New(`the title asks for an error ("[error]")`)
	errShuttingDown = errors.New("shutting down")
)

type service struct {
	responder *receiver.Responder
	logger    *slog.Logger
	ctx       context.Context // outlives requests; canceled when shutdown runs out of time
	wg        sync.WaitGroup  // verdicts being posted

	mu     sync.Mutex
	closed bool // no new verdicts once serve waits for wg
}

// close stops new verdicts from starting, so that waiting for the ones in
// flight cannot race with a late request still being handled.
func (s *service) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

// handle decides at once and posts the verdict in the background, so the
// delivery is answered without waiting for Signalbox.
func (s *service) handle(_ context.Context, ev *receiver.Event) error {
	if ev.IsObsolete() {
		// The car was rebuilt or dropped: a real service would stop its work
		// on the car's commit here. No answer is taken any more.
		s.logger.Info("merge train car obsolete", "delivery_id", ev.ID, "project_id", ev.ProjectID,
			"mr_iid", ev.MergeRequestIID, "sha", ev.SHA, "check_id", ev.Check.ID, "car_id", ev.MergeTrain.CarID)
		return nil
	}
	v := decide(ev.Title, ev.MergeTrain != nil)
	s.logger.Info("status check requested", "delivery_id", ev.ID, "project_id", ev.ProjectID,
		"mr_iid", ev.MergeRequestIID, "sha", ev.SHA, "check_id", ev.Check.ID, "action", ev.Action, "verdict", v.String())
	switch v {
	case verdictError:
		return errAskedToFail
	case verdictSilent:
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errShuttingDown
	}
	s.wg.Go(func() { s.post(ev, v) })
	return nil
}

// post sends the verdict, retrying a few times while Signalbox is
// unreachable. Other errors are final: a sha that is no longer the head, for
// example, gets its own event with the new head.
func (s *service) post(ev *receiver.Event, v verdict) {
	respond := s.responder.Pass
	switch v {
	case verdictFail:
		respond = s.responder.Fail
	case verdictPending:
		respond = s.responder.Pending
	}
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := respond(s.ctx, ev)
		if err == nil {
			s.logger.Info("verdict posted", "project_id", ev.ProjectID, "mr_iid", ev.MergeRequestIID,
				"sha", ev.SHA, "check_id", ev.Check.ID, "status", v.String())
			return
		}
		if !temporary(err) || attempt == 5 || s.ctx.Err() != nil {
			s.logger.Error("verdict not posted", "project_id", ev.ProjectID, "mr_iid", ev.MergeRequestIID,
				"sha", ev.SHA, "check_id", ev.Check.ID, "status", v.String(), "attempts", attempt,
				"code", connect.CodeOf(err).String(), "error", err.Error())
			return
		}
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-s.ctx.Done():
			timer.Stop()
		}
		delay *= 2
	}
}

// temporary reports whether posting again may succeed.
func temporary(err error) bool {
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeResourceExhausted,
		connect.CodeAborted, connect.CodeUnknown:
		return true
	}
	return false
}
