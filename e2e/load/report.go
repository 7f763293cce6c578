package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The targets of issues 6 and 16, and the noisy neighbour's of issue 10.
const (
	// Each endpoint's req/s at targetClients over the first ceiling
	// server's at the same concurrency: on Redis, and on the embedded store.
	targetClients        = 64
	targetPostRatio      = 0.4
	targetGetRatio       = 0.6
	targetEmbeddedRatio  = 0.5
	targetP99            = 10 * time.Millisecond
	targetLoneP50        = 300 * time.Microsecond
	targetDeliveryChecks = 10
	targetDeliveryP99    = 50 * time.Millisecond
	targetExpiryP99      = time.Second
	targetNoisyP99       = 100 * time.Millisecond
	targetRSS            = 150 << 20
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
	if c.Store == "embedded" {
		autoPipeline += ", no --redis-url (the embedded store)"
	}
	if c.Binary != "" {
		autoPipeline += ", binary " + c.Binary
	}
	fmt.Fprintf(w, "# server: --log-level %s, --status-check-timeout %s%s, on 127.0.0.1; the load tool and Redis share its CPUs\n", c.LogLevel, serverTimeout, autoPipeline)
	fmt.Fprintf(w, "# load: %d merge requests (%d projects x %d), %d checks each: %d (merge request, check) pairs;\n",
		r.Targets, c.Projects, c.MRs, c.Checks, r.Pairs)
	fmt.Fprintf(w, "#   per level and endpoint %s warm-up + %s measured; keep-alive HTTP/1.1 clients, one call at a time each\n", c.Warmup, c.Duration)

	if len(r.Levels) > 0 {
		fmt.Fprintln(w, "\n## REST throughput and latency (PRIVATE-TOKEN), with the ceiling servers at the same concurrency")
		fmt.Fprintln(w, "(x ceiling: req/s over the first ceiling server's at the same concurrency; Redis per call: counted on a second replica with a go-redis hook)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "endpoint\tclients\treq/s\tx ceiling\tp50 ms\tp99 ms\tmax ms\terrors\tredis cmds/req\tround trips/req\t")
		for _, l := range r.Levels {
			base := 0.0
			if len(l.Ceilings) > 0 {
				base = l.Ceilings[0].PerSec
			}
			rows := []levelResult{l.Post, l.Get}
			costs := []*cost{r.PostCost, r.GetCost}
			for i, c := range l.Ceilings {
				rows = append(rows, c)
				trips := float64(r.Config.CeilingTrips[i])
				costs = append(costs, &cost{Commands: trips, RoundTrips: trips})
			}
			for i, x := range rows {
				cmds, trips := "-", "-"
				if costs[i] != nil {
					cmds, trips = fmt.Sprintf("%.1f", costs[i].Commands), fmt.Sprintf("%.1f", costs[i].RoundTrips)
				}
				fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t\n", x.Name, l.Concurrency, x.PerSec, ratio(x.PerSec, base),
					ms(x.Latency.P50), ms(x.Latency.P99), ms(x.Latency.Max), x.Errors, cmds, trips)
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
	if l, ok := r.level(targetClients); ok && len(l.Ceilings) > 0 {
		base := l.Ceilings[0].PerSec
		postTarget, getTarget := targetPostRatio, targetGetRatio
		if c.Store == "embedded" {
			postTarget, getTarget = targetEmbeddedRatio, targetEmbeddedRatio
		}
		for _, x := range []struct {
			res    levelResult
			target float64
		}{{l.Post, postTarget}, {l.Get, getTarget}} {
			fmt.Fprintf(tw, "%s at %d clients >= %.1fx %s\t%s (%.0f/s)\t%s\n", x.res.Name, targetClients, x.target, l.Ceilings[0].Name,
				ratio(x.res.PerSec, base), x.res.PerSec, verdict(x.res.PerSec >= x.target*base))
			fmt.Fprintf(tw, "%s p99 at %d clients < %s\t%s ms\t%s\n", x.res.Name, targetClients, targetP99,
				ms(x.res.Latency.P99), verdict(x.res.Latency.P99 < targetP99))
		}
	}
	if l, ok := r.level(1); ok {
		for _, x := range []levelResult{l.Post, l.Get} {
			fmt.Fprintf(tw, "%s p50 at 1 client < %s\t%s ms\t%s\n", x.Name, targetLoneP50, ms(x.Latency.P50), verdict(x.Latency.P50 < targetLoneP50))
		}
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

// ratio is the server's requests per second over the ceiling's: only
// ratios from one run compare, since the machine is shared and noisy.
func ratio(req, ceiling float64) string {
	if ceiling == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", req/ceiling)
}
