package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		status int
		stdout []string
		stderr string
	}{
		{"small sweep", []string{"-T", "15m", "-p", "0.1, 0.3", "-hours", "20", "-seed", "5", "-depth", "3"}, 0,
			[]string{"T=15 min, 20 simulated hours, seed 5.", "0.10  sequential D=1", "0.30  train D=3", "0.30  ideal C=3", " 8.40 "}, ""},
		{"bad p", []string{"-p", "0.1,x"}, 2, nil, `-p: strconv.ParseFloat: parsing "x"`},
		{"bad depth", []string{"-depth", "0"}, 1, nil, "depth must be in [1, 1000], got 0"},
		{"p out of range", []string{"-p", "1.5", "-hours", "1"}, 1, nil, "p must be in [0, 1), got 1.5"},
		{"unknown flag", []string{"-x"}, 2, nil, "flag provided but not defined: -x"},
		{"argument", []string{"extra"}, 2, nil, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			require.Equal(t, tt.status, run(tt.args, &stdout, &stderr), stderr.String())
			for _, s := range tt.stdout {
				require.Contains(t, stdout.String(), s)
			}
			if tt.stderr == "" {
				require.Empty(t, stderr.String())
				return
			}
			require.Contains(t, stderr.String(), tt.stderr)
			require.False(t, strings.Contains(stdout.String(), "policy"), "no table after an error")
		})
	}
}
