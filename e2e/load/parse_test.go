package main

import (
	"strings"
	"testing"
)

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
