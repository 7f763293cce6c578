package main

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{hundred, 50, 50 * time.Millisecond},
		{hundred, 99, 99 * time.Millisecond},
		{hundred, 100, 100 * time.Millisecond},
		{hundred, 0, 1 * time.Millisecond},
		{hundred[:10], 99, 10 * time.Millisecond}, // fewer than 100: the maximum
		{hundred[:10], 50, 5 * time.Millisecond},
		{hundred[:1], 99, 1 * time.Millisecond},
		{nil, 99, 0},
	} {
		if got := percentile(c.samples, c.p); got != c.want {
			t.Errorf("p%v of %d samples = %v, want %v", c.p, len(c.samples), got, c.want)
		}
	}
}

func TestSummarizeDoesNotReorderItsInput(t *testing.T) {
	t.Parallel()
	in := []time.Duration{3, 1, 2}
	s := summarize(in)
	if s.N != 3 || s.P50 != 2 || s.Max != 3 {
		t.Errorf("summary = %+v", s)
	}
	if in[0] != 3 || in[1] != 1 {
		t.Errorf("input was reordered: %v", in)
	}
}
