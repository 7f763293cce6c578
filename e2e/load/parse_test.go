package main

import (
	"strings"
	"testing"
)

func TestParseBenchmarkCSV(t *testing.T) {
	t.Parallel()
	// As redis-benchmark 7.0 prints it with -q --csv.
	out := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","38022.81","0.254","0.048","0.191","0.375","2.727","7.823"
"GET","36337.21","0.257","0.032","0.231","0.471","0.671","5.783"
`
	ops, err := parseBenchmarkCSV(out)
	if err != nil {
		t.Fatal(err)
	}
	if ops.SetPerSec != 38022.81 || ops.GetPerSec != 36337.21 {
		t.Errorf("ops = %+v", ops)
	}
	if _, err := parseBenchmarkCSV(`"test","rps"` + "\n"); err == nil {
		t.Error("output without SET and GET accepted")
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	m, err := parseStatus(strings.NewReader("Name:\tsignalbox\nVmHWM:\t   65432 kB\nVmRSS:\t   61234 kB\nThreads:\t9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 61234<<10 || m.HWM != 65432<<10 {
		t.Errorf("memory = %+v", m)
	}
}

func TestValidSignature(t *testing.T) {
	t.Parallel()
	// RFC 4231-style known answer: HMAC-SHA256("key", "The quick brown fox
	// jumps over the lazy dog").
	body := []byte("The quick brown fox jumps over the lazy dog")
	const sig = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if !validSignature([]byte("key"), body, sig) {
		t.Error("the right signature is refused")
	}
	if validSignature([]byte("other"), body, sig) || validSignature([]byte("key"), body, "") || validSignature([]byte("key"), body, "zz") {
		t.Error("a wrong signature is accepted")
	}
}
