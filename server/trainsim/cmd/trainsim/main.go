// Command trainsim prints the merge-train simulator's table: merges per
// hour, time to merge and CI builds per merge for sequential merging,
// GitLab-style trains and the ideal bound. With no flags it reproduces the
// sanity run of peers.md §6. With -attribution it prints instead how
// GitLab's and Signalbox's trains blame failed cars when builds finish out
// of order or flake (the table in docs/performance.md). With -strategy it
// compares the GitLab-style and the batched strategies (the strategies
// table in docs/performance.md; -T, -p and -flake then take lists).
//
//	go run ./server/trainsim/cmd/trainsim -T 30m -p 0.02,0.05,0.10,0.20,0.30 -hours 1000 -seed 42 -depth 5,20
//	go run ./server/trainsim/cmd/trainsim -attribution -p 0.02,0.10,0.30 -jitter 0,0.2 -flake 0,0.02 -depth 20
//	go run ./server/trainsim/cmd/trainsim -strategy
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/signalbox/signalbox/server/trainsim"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	def := trainsim.DefaultSweep()
	fs := flag.NewFlagSet("trainsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	buildTime := fs.Duration("T", def.BuildTime, "duration of every CI build")
	ps := fs.String("p", "0.02,0.05,0.10,0.20,0.30", "comma-separated probabilities that an MR is bad")
	hours := fs.Float64("hours", def.Horizon.Hours(), "simulated hours per run")
	seed := fs.Uint64("seed", def.Seed, "random seed")
	depths := fs.String("depth", "5,20", "comma-separated train depths (max pipelines), also used as C for the ideal bound")
	attribution := fs.Bool("attribution", false, "compare GitLab's and Signalbox's failure attribution (one depth)")
	jitters := fs.String("jitter", "0,0.2", "with -attribution: comma-separated build time spreads, T·(1±jitter)")
	flakes := fs.String("flake", "0,0.02", "with -attribution: comma-separated probabilities that a good build fails")
	strategy := fs.Bool("strategy", false, "compare the GitLab-style and batched strategies (defaults: -T 15m,30m -flake 0,0.02,0.05 -jitter 0.2 -depth 20)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *strategy {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		return runStrategies(fs, set, stdout, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "trainsim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	w := trainsim.Sweep{BuildTime: *buildTime, Horizon: time.Duration(*hours * float64(time.Hour)), Seed: *seed}
	var err error
	if w.Ps, err = list(*ps, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }); err != nil {
		fmt.Fprintf(stderr, "trainsim: -p: %v\n", err)
		return 2
	}
	if w.Depths, err = list(*depths, strconv.Atoi); err != nil {
		fmt.Fprintf(stderr, "trainsim: -depth: %v\n", err)
		return 2
	}
	if *attribution {
		return runAttribution(w, *jitters, *flakes, stdout, stderr)
	}
	rs, err := w.Run()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := trainsim.WriteTable(stdout, rs); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// runAttribution prints the attribution table for the sweep's settings.
func runAttribution(w trainsim.Sweep, jitters, flakes string, stdout, stderr io.Writer) int {
	if len(w.Depths) != 1 {
		fmt.Fprintln(stderr, "trainsim: -attribution takes one -depth")
		return 2
	}
	a := trainsim.AttributionSweep{BuildTime: w.BuildTime, Horizon: w.Horizon, Seed: w.Seed, Depth: w.Depths[0], Ps: w.Ps}
	var err error
	parse := func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
	if a.Jitters, err = list(jitters, parse); err != nil {
		fmt.Fprintf(stderr, "trainsim: -jitter: %v\n", err)
		return 2
	}
	if a.Flakes, err = list(flakes, parse); err != nil {
		fmt.Fprintf(stderr, "trainsim: -flake: %v\n", err)
		return 2
	}
	rs, err := a.Run()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := trainsim.WriteAttributionTable(stdout, rs); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// list parses a comma-separated list.
func list[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for f := range strings.SplitSeq(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// runStrategies prints the strategy table; flags not given keep the
// defaults of trainsim.DefaultStrategySweep.
func runStrategies(fs *flag.FlagSet, set map[string]bool, stdout, stderr io.Writer) int {
	w := trainsim.DefaultStrategySweep()
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	parse := func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
	var err error
	if set["T"] {
		if w.BuildTimes, err = list(get("T"), time.ParseDuration); err != nil {
			fmt.Fprintf(stderr, "trainsim: -T: %v\n", err)
			return 2
		}
	}
	if set["p"] {
		if w.Ps, err = list(get("p"), parse); err != nil {
			fmt.Fprintf(stderr, "trainsim: -p: %v\n", err)
			return 2
		}
	}
	if set["flake"] {
		if w.Flakes, err = list(get("flake"), parse); err != nil {
			fmt.Fprintf(stderr, "trainsim: -flake: %v\n", err)
			return 2
		}
	}
	if set["jitter"] {
		if w.Jitter, err = strconv.ParseFloat(get("jitter"), 64); err != nil {
			fmt.Fprintf(stderr, "trainsim: -jitter takes one value with -strategy: %v\n", err)
			return 2
		}
	}
	if set["depth"] {
		if w.Budget, err = strconv.Atoi(get("depth")); err != nil {
			fmt.Fprintf(stderr, "trainsim: -depth takes one budget with -strategy: %v\n", err)
			return 2
		}
	}
	if set["hours"] {
		h, _ := strconv.ParseFloat(get("hours"), 64)
		w.Horizon = time.Duration(h * float64(time.Hour))
	}
	if set["seed"] {
		w.Seed, _ = strconv.ParseUint(get("seed"), 10, 64)
	}
	rs, err := w.Run()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := trainsim.WriteStrategyTable(stdout, rs); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
