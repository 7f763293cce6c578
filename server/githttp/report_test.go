package githttp

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func pkt(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }

// band is one side-band packet.
func band(n byte, s string) string { return pkt(string([]byte{n}) + s) }

// TestReportWatch feeds receive-pack outputs one byte at a time (as a pipe
// may cut them anywhere) and checks that the watch fires exactly when the
// report is complete, and never for output that is not a report.
func TestReportWatch(t *testing.T) {
	report := pkt("unpack ok\n") + pkt("ok refs/heads/feature\n") + "0000"
	for _, tc := range []struct {
		name string
		out  string
		// at is the length of output after which the watch must have
		// fired; -1 for never.
		at int
	}{
		{"side-band", band(2, "progress\n") + band(1, report) + band(2, "Auto packing\n") + "0000", len(band(2, "progress\n") + band(1, report))},
		{"side-band, report split over packets", band(1, report[:7]) + band(1, report[7:20]) + band(1, report[20:]) + "0000",
			len(band(1, report[:7]) + band(1, report[7:20]) + band(1, report[20:]))},
		{"no side-band", report, len(report)},
		{"side-band, no report asked for", band(2, "progress\n") + "0000", -1},
		{"no output", "", -1},
		{"not a report", band(1, pkt("ok refs/heads/x\n")+"0000") + "0000", -1},
		{"report never ends", band(1, pkt("unpack ok\n")) + "0000", -1},
		{"not pkt-lines", "Status: 500\n\nboom", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fired := 0
			w := &reportWatch{reported: func() { fired++ }}
			for i := range len(tc.out) {
				n, err := w.Write([]byte{tc.out[i]})
				require.NoError(t, err)
				require.Equal(t, 1, n)
				want := 0
				if tc.at >= 0 && i+1 >= tc.at {
					want = 1
				}
				require.Equal(t, want, fired, "after %d bytes", i+1)
			}
		})
	}
}
