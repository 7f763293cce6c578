package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The targets of issue 6, and the noisy neighbour's of issue 10.
const (
	targetResponsesPerSec = 5000
	targetResponsesClient = 64
	targetResponseP99     = 25 * time.Millisecond
	targetDeliveryChecks  = 10
	targetDeliveryP99     = 50 * time.Millisecond
	targetExpiryP99       = time.Second
	targetNoisyP99        = 100 * time.Millisecond
	targetRSS             = 150 << 20
)

// printReport writes the run's figures and the targets next to them.
func printReport(w io.Writer, r *results) {
	c := r.Config
	fmt.Fprintf(w, "# Signalbox load: go run ./e2e/load %s\n", strings.Join(r.Args, " "))
	fmt.Fprintf(w, "# machine: %d CPUs (%s), %s, %s\n", r.Machine.CPUs, r.Machine.Model, r.Machine.Kernel, r.Machine.Go)
	fmt.Fprintf(w, "# redis: %s\n", r.Redis)
	autoPipeline := ""
	if c.AutoPipeline {
		autoPipeline = ", --redis-autopipeline"
	}
	fmt.Fprintf(w, "# server: --log-level %s, --status-check-timeout %s%s, on 127.0.0.1; the load tool and Redis share its CPUs\n", c.LogLevel, serverTimeout, autoPipeline)
	fmt.Fprintf(w, "# load: %d merge requests (%d projects x %d), %d checks each: %d (merge request, check) pairs;\n",
		r.Targets, c.Projects, c.MRs, c.Checks, r.Pairs)
	fmt.Fprintf(w, "#   per level and endpoint %s warm-up + %s measured; keep-alive HTTP/1.1 clients, one call at a time each\n", c.Warmup, c.Duration)

	if len(r.Levels) > 0 {
		fmt.Fprintln(w, "\n## REST throughput and latency (PRIVATE-TOKEN), with redis-benchmark at the same concurrency")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "endpoint\tclients\treq/s\tp50 ms\tp99 ms\tmax ms\terrors\tredis cmds/req\tredis-benchmark\tops/s\treq/s per op/s\t")
		for _, l := range r.Levels {
			for _, x := range []struct {
				res  levelResult
				cmds float64
				op   string
				ops  float64
			}{{l.Post, l.PostCommands, "SET", l.Redis.SetPerSec}, {l.Get, l.GetCommands, "GET", l.Redis.GetPerSec}} {
				fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%d\t%.1f\t%s\t%.0f\t%s\t\n", x.res.Endpoint, l.Concurrency, x.res.PerSec,
					ms(x.res.Latency.P50), ms(x.res.Latency.P99), ms(x.res.Latency.Max), x.res.Errors, x.cmds, x.op, x.ops, ratio(x.res.PerSec, x.ops))
			}
		}
		tw.Flush()
	}

	if len(r.Fanout) > 0 {
		fmt.Fprintln(w, "\n## Delivery fan-out: start of the trigger -> each check's receiver has the verified payload")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "trigger\tchecks\trounds\tdeliveries\tp50 ms\tp99 ms\tmax ms\tlast of round p50\tp99\ttrigger p50 ms\t")
		for _, f := range r.Fanout {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", f.Trigger, f.Checks, f.Rounds, f.PerCheck.N,
				ms(f.PerCheck.P50), ms(f.PerCheck.P99), ms(f.PerCheck.Max), ms(f.Last.P50), ms(f.Last.P99), ms(f.TriggerTime.P50))
			if f.FromRef.N > 0 {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t\t\t\t\n", "ref update", f.Checks, f.Rounds, f.FromRef.N,
					ms(f.FromRef.P50), ms(f.FromRef.P99), ms(f.FromRef.Max))
			}
		}
		tw.Flush()
		fmt.Fprintln(w, "(\"ref update\" rows time the same pushes from the ref update in the server's repository, without the git client and receive-pack.)")
	}

	if r.Expiry.Lateness.N > 0 {
		e := r.Expiry.Lateness
		fmt.Fprintln(w, "\n## Expiry lateness: failed state received on the Connect WatchMergeRequest stream - (create_time + timeout_seconds)")
		fmt.Fprintf(w, "timeout %s, %d pending responses (%d merge requests watched at once): p50 %s ms, p99 %s ms, max %s ms\n",
			r.Expiry.Timeout, e.N, c.ExpiryMRs, ms(e.P50), ms(e.P99), ms(e.Max))
	}

	if n := r.Noisy; n.Rounds > 0 {
		fmt.Fprintf(w, "\n## Noisy neighbour: start of the POST opening the victim's merge request -> its one check's receiver has the verified payload\n")
		fmt.Fprintf(w, "(the attacker's merge request asks %d checks whose receivers never answer; its attempts in flight: %d when the attacked rounds began, %d when they ended)\n",
			n.Hanging, n.HeldBefore, n.HeldAfter)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "victim\trounds\tp50 ms\tp99 ms\tmax ms\t")
		for _, x := range []struct {
			name string
			s    summary
		}{{"alone (baseline)", n.Baseline}, {"beside the attacker", n.Attacked}} {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", x.name, x.s.N, ms(x.s.P50), ms(x.s.P99), ms(x.s.Max))
		}
		tw.Flush()
	}

	fmt.Fprintln(w, "\n## Server memory (/proc/<pid>/status)")
	fmt.Fprintf(w, "VmRSS peak during the throughput levels %s, VmRSS at the end %s, VmHWM (peak of the whole run) %s\n",
		mb(r.LoadPeak), mb(r.End.RSS), mb(r.End.HWM))

	fmt.Fprintf(w, "\n## Server log (--log-level %s): %d warnings, %d errors\n", c.LogLevel, r.Log.Warnings, r.Log.Errors)
	for _, line := range r.Log.First {
		fmt.Fprintln(w, "  ", line)
	}

	fmt.Fprintln(w, "\n## Targets")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmeasured\tverdict")
	if l, ok := r.level(targetResponsesClient); ok {
		fmt.Fprintf(tw, "status responses/s at %d clients >= %d\t%.0f/s\t%s\n", targetResponsesClient, targetResponsesPerSec,
			l.Post.PerSec, verdict(l.Post.PerSec >= targetResponsesPerSec))
		fmt.Fprintf(tw, "status response p99 at %d clients < %s\t%s ms\t%s\n", targetResponsesClient, targetResponseP99,
			ms(l.Post.Latency.P99), verdict(l.Post.Latency.P99 < targetResponseP99))
	}
	for _, f := range r.Fanout {
		if f.Checks == targetDeliveryChecks {
			fmt.Fprintf(tw, "delivery p99 with %d checks < %s (from %s)\t%s ms\t%s\n", f.Checks, targetDeliveryP99, f.Trigger,
				ms(f.PerCheck.P99), verdict(f.PerCheck.P99 < targetDeliveryP99))
			if f.FromRef.N > 0 {
				fmt.Fprintf(tw, "delivery p99 with %d checks < %s (from the pushed ref update)\t%s ms\t%s\n", f.Checks, targetDeliveryP99,
					ms(f.FromRef.P99), verdict(f.FromRef.P99 < targetDeliveryP99))
			}
		}
	}
	if r.Expiry.Lateness.N > 0 {
		fmt.Fprintf(tw, "expiry lateness p99 < %s\t%s ms\t%s\n", targetExpiryP99, ms(r.Expiry.Lateness.P99), verdict(r.Expiry.Lateness.P99 < targetExpiryP99))
	}
	if n := r.Noisy; n.Rounds > 0 {
		fmt.Fprintf(tw, "victim delivery p99 beside %d hanging checks < %s (baseline %s ms)\t%s ms\t%s\n", n.Hanging, targetNoisyP99,
			ms(n.Baseline.P99), ms(n.Attacked.P99), verdict(n.Attacked.P99 < targetNoisyP99))
	}
	if r.End.HWM > 0 {
		fmt.Fprintf(tw, "server RSS < %s (VmHWM)\t%s\t%s\n", mb(targetRSS), mb(r.End.HWM), verdict(r.End.HWM < targetRSS))
	}
	tw.Flush()
	for _, f := range r.Failures {
		fmt.Fprintln(w, "ERROR:", f)
	}
}

// level is the row for a concurrency.
func (r *results) level(clients int) (levelRow, bool) {
	for _, l := range r.Levels {
		if l.Concurrency == clients {
			return l, true
		}
	}
	return levelRow{}, false
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// ms prints a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func mb(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// ratio is server requests per Redis operation, both per second: only
// ratios from one run compare, since the machine is shared and noisy.
func ratio(req, ops float64) string {
	if ops == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4f", req/ops)
}
