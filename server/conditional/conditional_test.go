package conditional_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/conditional"
)

func TestCheck(t *testing.T) {
	changed := time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
	for _, tc := range []struct {
		header string
		want   error
	}{
		{"", nil},
		{"Fri, 02 Jan 2026 03:04:05 GMT", conditional.ErrModified}, // half a second earlier, as GitLab compares
		{"Fri, 02 Jan 2026 03:04:06 GMT", nil},
		{"Thu, 01 Jan 2026 00:00:00 GMT", conditional.ErrModified},
		{"2026-01-01T00:00:00Z", conditional.ErrModified},
		{"2027-01-01T00:00:00Z", nil},
		{"not a date", nil}, // ignored, as GitLab ignores it
	} {
		ctx := conditional.FromHeader(context.Background(), tc.header)
		require.Equal(t, tc.want, conditional.Check(ctx, changed), tc.header)
	}
}
