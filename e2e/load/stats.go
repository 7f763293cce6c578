package main

import (
	"slices"
	"time"
)

// summary is what the report says about a set of latency samples.
type summary struct {
	N   int
	P50 time.Duration
	P99 time.Duration
	Max time.Duration
}

// summarize sorts a copy of samples and reads its percentiles.
func summarize(samples []time.Duration) summary {
	if len(samples) == 0 {
		return summary{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return summary{N: len(s), P50: percentile(s, 50), P99: percentile(s, 99), Max: s[len(s)-1]}
}

// percentile is the nearest-rank percentile of sorted samples: the smallest
// sample with at least p percent of all samples at or below it. Nearest rank
// never interpolates, so a p99 is always a latency that was really seen, and
// with fewer than 100 samples it is the maximum, which is the honest answer.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// rank = ceil(p/100 * n), computed in integers (p in hundredths) so
	// that, say, 99% of 100 is exactly 99 and not 99.00000000000001.
	hundredths := int64(p*100 + 0.5)
	n := int64(len(sorted))
	rank := (hundredths*n + 9999) / 10000
	rank = max(rank, 1)
	rank = min(rank, n)
	return sorted[rank-1]
}
