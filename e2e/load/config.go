package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// config is the tool's command line.
type config struct {
	Levels   []int
	Warmup   time.Duration
	Duration time.Duration
	Projects int
	MRs      int
	Checks   int
	// CeilingTrips are the ceiling servers' sequential SETs per request;
	// the first is the one every endpoint is a ratio of.
	CeilingTrips []int
	// Store is "redis" (REDIS_URL or a private redis-server) or "embedded"
	// (the server's embedded store, and the ceiling's own).
	Store string

	Fanout       []int
	FanoutRounds int
	CreateRounds int

	ExpiryMRs     int
	ExpiryRounds  int
	ExpiryTimeout int

	NoisyHanging int
	NoisyRounds  int

	// Phases are the parts to run: throughput, fanout, expiry, noisy.
	Phases map[string]bool

	LogLevel string
	// Binary is a server binary to measure instead of building ./server;
	// then the Redis costs per call are not counted (they are this tree's).
	Binary string
	// AutoPipeline starts the server with --redis-autopipeline.
	AutoPipeline bool
	Keep         bool
}

func parseConfig(args []string, output io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintln(output, "usage: go run ./e2e/load [flags]\n\n"+
			"Builds ./server, runs it on loopback against REDIS_URL (an empty database)\n"+
			"or a private redis-server, and measures it. Prints a table; exits non-zero\n"+
			"only on errors, never on missed targets.")
		fs.PrintDefaults()
	}
	levels := fs.String("levels", "1,16,64", "concurrent clients of each throughput level")
	fs.DurationVar(&c.Warmup, "warmup", time.Second, "unmeasured time at the start of each level")
	fs.DurationVar(&c.Duration, "duration", 5*time.Second, "measured time of each level and endpoint")
	fs.IntVar(&c.Projects, "projects", 4, "projects the throughput load is spread over")
	fs.IntVar(&c.MRs, "mrs", 16, "merge requests per project")
	fs.IntVar(&c.Checks, "checks", 4, "status checks per project")
	trips := fs.String("ceiling-trips", "1,8", "sequential SETs per request of each ceiling server; endpoints are a ratio of the first")
	fs.StringVar(&c.Store, "store", "redis", "the server's store: redis (REDIS_URL, else a private redis-server) or embedded")
	fanout := fs.String("fanout", "1,10,100", "numbers of checks that apply to the fan-out merge request")
	fs.IntVar(&c.FanoutRounds, "fanout-rounds", 200, "pushes per fan-out size")
	fs.IntVar(&c.CreateRounds, "create-rounds", 50, "merge request creations per fan-out size (0: none)")
	fs.IntVar(&c.ExpiryMRs, "expiry-mrs", 20, "merge requests watched at once for expiry")
	fs.IntVar(&c.ExpiryRounds, "expiry-rounds", 15, "pending responses per watched merge request")
	fs.IntVar(&c.ExpiryTimeout, "expiry-timeout", 1, "the never-answering check's timeout_seconds")
	fs.IntVar(&c.NoisyHanging, "noisy-hanging", 400, "the noisy neighbour's checks whose receivers never answer")
	fs.IntVar(&c.NoisyRounds, "noisy-rounds", 100, "the victim's merge request creations, alone and then beside the noisy neighbour")
	phases := fs.String("phases", "throughput,fanout,expiry,noisy", "the phases to run, comma-separated")
	fs.StringVar(&c.LogLevel, "log-level", "warn", "the server's --log-level")
	fs.StringVar(&c.Binary, "binary", "", "measure this server binary (e.g. another commit's build) instead of building ./server; Redis costs per call are then not counted")
	fs.BoolVar(&c.AutoPipeline, "autopipeline", false, "start the server with --redis-autopipeline")
	fs.BoolVar(&c.Keep, "keep", false, "keep the work directory (server log, data, worktrees)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.Levels, err = parseInts(*levels); err != nil {
		return c, fmt.Errorf("-levels: %w", err)
	}
	if c.CeilingTrips, err = parseInts(*trips); err != nil {
		return c, fmt.Errorf("-ceiling-trips: %w", err)
	}
	if c.Store != "redis" && c.Store != "embedded" {
		return c, fmt.Errorf("-store: want redis or embedded, got %q", c.Store)
	}
	if c.Fanout, err = parseInts(*fanout); err != nil {
		return c, fmt.Errorf("-fanout: %w", err)
	}
	c.Phases = map[string]bool{}
	for p := range strings.SplitSeq(*phases, ",") {
		switch p = strings.TrimSpace(p); p {
		case "throughput", "fanout", "expiry", "noisy":
			c.Phases[p] = true
		default:
			return c, fmt.Errorf("-phases: unknown phase %q (want throughput, fanout, expiry, noisy)", p)
		}
	}
	switch {
	case c.Duration <= 0 || c.Warmup < 0:
		return c, errors.New("-duration must be positive and -warmup not negative")
	case c.Projects < 1 || c.MRs < 1 || c.Checks < 1:
		return c, errors.New("-projects, -mrs and -checks must be at least 1")
	case c.FanoutRounds < 1 || c.CreateRounds < 0:
		return c, errors.New("-fanout-rounds must be at least 1 and -create-rounds not negative")
	case c.ExpiryMRs < 1 || c.ExpiryRounds < 1 || c.ExpiryTimeout < 1:
		return c, errors.New("-expiry-mrs, -expiry-rounds and -expiry-timeout must be at least 1")
	case c.NoisyHanging < 1 || c.NoisyRounds < 1:
		return c, errors.New("-noisy-hanging and -noisy-rounds must be at least 1")
	}
	return c, nil
}

// parseInts reads a comma-separated list of positive integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("want positive integers separated by commas, got %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}
