package gitrepo_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
)

func TestTrailers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msg  string
		want []gitrepo.Trailer
	}{
		{"Fix it\n\nBody text.\n\nSigned-off-by: A <a@example.com>\nChangelog: fixed\n", []gitrepo.Trailer{
			{"Signed-off-by", "A <a@example.com>"}, {"Changelog", "fixed"},
		}},
		{"Fix it\n\nCo-authored-by: B\n  continued\n", []gitrepo.Trailer{{"Co-authored-by", "B continued"}}},
		{"Title: with a colon\n", nil},
		{"Fix it\n\nNot a trailer line\nKey: value\n", nil},
		{"Fix it\n\nSee: this\n\nPlain last paragraph.\n", nil},
		{"Fix it\n\nBad key: x\n", nil},
	} {
		require.Equal(t, tc.want, gitrepo.Trailers(tc.msg), "%q", tc.msg)
	}
}
