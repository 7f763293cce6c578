package githttp_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/githttp"
	"github.com/signalbox/signalbox/server/gitrepo"
)

// pkt frames s as a pkt-line.
func pkt(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }

var (
	zero = strings.Repeat("0", 40)
	shaA = strings.Repeat("a", 40)
	shaB = strings.Repeat("b", 40)
)

func TestReadCommands(t *testing.T) {
	t.Parallel()
	const pack = "PACK\x00\x00\x00\x02rest-of-the-pack"
	body := pkt("shallow "+shaA+"\n") +
		pkt(zero+" "+shaA+" refs/heads/feature\x00 report-status side-band-64k agent=git/2.39.5\n") +
		pkt(shaA+" "+shaB+" refs/heads/main\n") +
		pkt(shaB+" "+zero+" refs/tags/v1") + // the newline is optional
		"0000" + pack
	r := strings.NewReader(body)
	updates, err := githttp.ReadCommands(r)
	require.NoError(t, err)
	require.Equal(t, []githttp.RefUpdate{
		{Ref: "refs/heads/feature", Old: zero, New: shaA},
		{Ref: "refs/heads/main", Old: shaA, New: shaB},
		{Ref: "refs/tags/v1", Old: shaB, New: zero},
	}, updates)
	require.True(t, updates[0].Created())
	require.True(t, updates[2].Deleted())
	name, ok := updates[1].Branch()
	require.True(t, ok)
	require.Equal(t, "main", name)
	_, ok = updates[2].Branch()
	require.False(t, ok)

	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, pack, string(rest), "nothing after the flush packet is consumed")

	// SHA-256 repositories.
	sha256 := strings.Repeat("c", 64)
	updates, err = githttp.ReadCommands(strings.NewReader(pkt(strings.Repeat("0", 64)+" "+sha256+" refs/heads/x\x00caps\n") + "0000"))
	require.NoError(t, err)
	require.Equal(t, sha256, updates[0].New)

	// A probe ("0000" alone) has no commands.
	updates, err = githttp.ReadCommands(strings.NewReader("0000"))
	require.NoError(t, err)
	require.Empty(t, updates)
}

func TestReadCommandsRefusesMalformedInput(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":           "",
		"no flush":        pkt(zero + " " + shaA + " refs/heads/x\x00caps\n"),
		"bad length":      "zzzz",
		"short length":    "0003",
		"truncated":       "0040" + zero,
		"push cert":       pkt("push-cert\x00caps\n") + pkt("certificate version 0.1\n") + "0000",
		"two fields":      pkt(zero+" refs/heads/x\x00caps\n") + "0000",
		"not hex":         pkt(strings.Repeat("g", 40)+" "+shaA+" refs/heads/x\x00caps\n") + "0000",
		"mixed lengths":   pkt(zero+" "+strings.Repeat("c", 64)+" refs/heads/x\x00caps\n") + "0000",
		"delim packet":    "0001",
		"response end":    pkt(zero+" "+shaA+" refs/heads/x\x00caps\n") + "0002",
		"empty line":      pkt("") + "0000",
		"upper-case id":   pkt(strings.ToUpper(shaA)+" "+shaB+" refs/heads/x\x00caps\n") + "0000",
		"bad shallow":     pkt("shallow "+shaA+"x\n") + "0000",
		"push cert later": pkt(zero+" "+shaA+" refs/heads/x\x00caps\n") + pkt("push-cert\n") + "0000",
	} {
		_, err := githttp.ReadCommands(bytes.NewReader([]byte(body)))
		require.ErrorIs(t, err, githttp.ErrMalformedCommands, name)
	}
}

// Git reads a command's ref as everything after the second space up to the
// first NUL of the line, whichever line it is; the parser reads the same,
// so that the branch whose rules are applied is the branch git updates.
func TestReadCommandsReadsRefsAsGitDoes(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		body string
		refs []string
	}{
		"capabilities on a later line": {
			pkt(zero+" "+shaA+" refs/heads/ok\x00 report-status\n") + pkt(shaA+" "+shaB+" refs/heads/main\x00") + "0000",
			[]string{"refs/heads/ok", "refs/heads/main"}},
		"a NUL and anything after it on a later line": {
			pkt(zero+" "+shaA+" refs/heads/ok\x00 report-status\n") + pkt(shaA+" "+shaB+" refs/heads/main\x00junk\x00more\n") + "0000",
			[]string{"refs/heads/ok", "refs/heads/main"}},
		"no capabilities at all": {
			pkt(shaA+" "+shaB+" refs/heads/main\n") + "0000",
			[]string{"refs/heads/main"}},
		"the newline git drops is the payload's last byte": {
			pkt(shaA+" "+shaB+" refs/heads/main\x00caps\n") + "0000",
			[]string{"refs/heads/main"}},
		"shallow lines anywhere": {
			pkt("shallow "+shaA) + pkt(zero+" "+shaA+" refs/heads/x\x00caps\n") + pkt("shallow "+shaB+"\n") + "0000",
			[]string{"refs/heads/x"}},
	} {
		updates, err := githttp.ReadCommands(strings.NewReader(tt.body))
		require.NoError(t, err, name)
		var refs []string
		for _, u := range updates {
			refs = append(refs, u.Ref)
		}
		require.Equal(t, tt.refs, refs, name)
	}
}

// Names git would refuse, or read differently, are refused before any
// permission is decided on them.
func TestReadCommandsRefusesInvalidRefNames(t *testing.T) {
	t.Parallel()
	for name, ref := range map[string]string{
		"outside refs":              "HEAD",
		"option-like":               "--upload-pack=x",
		"space":                     "refs/heads/ma in",
		"newline before the NUL":    "refs/heads/main\n",
		"two newlines":              "refs/heads/main\n\n",
		"double dot":                "refs/heads/a..b",
		"lock":                      "refs/heads/main.lock",
		"control character":         "refs/heads/ma\x01in",
		"empty component":           "refs/heads//main",
		"trailing slash":            "refs/heads/main/",
		"at-brace":                  "refs/heads/main@{1}",
		"refs alone":                "refs/",
		"component starting with .": "refs/heads/.main",
	} {
		body := pkt(zero+" "+shaA+" refs/heads/ok\x00caps\n") + pkt(zero+" "+shaB+" "+ref+"\x00\n") + "0000"
		_, err := githttp.ReadCommands(strings.NewReader(body))
		require.ErrorIs(t, err, gitrepo.ErrInvalidRefName, name)
		var invalid *githttp.InvalidRefError
		require.ErrorAs(t, err, &invalid, name)
		require.Equal(t, ref, invalid.Ref, name)
	}
}

func TestSplitPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path, project, endpoint string
		ok                      bool
	}{
		{"/root/demo.git/info/refs", "root/demo", "info/refs", true},
		{"/root/demo.git/git-upload-pack", "root/demo", "git-upload-pack", true},
		{"/root/demo.git/git-receive-pack", "root/demo", "git-receive-pack", true},
		{"/root/demo/info/refs", "root/demo", "info/refs", true}, // ".git" is optional
		{"/group/sub/demo.git/info/refs", "group/sub/demo", "info/refs", true},
		{"/demo.git/info/refs", "", "", false}, // no namespace
		{"/root/demo.git/HEAD", "", "", false}, // dumb protocol
		{"/root/demo.git/objects/info/packs", "", "", false},
		{"/root/../demo.git/info/refs", "", "", false},
		{"/root//demo.git/info/refs", "", "", false},
		{"/root/-x.git/info/refs", "", "", false},
		{"/api/v4/projects", "", "", false},
	} {
		project, endpoint, ok := githttp.SplitPath(tt.path)
		require.Equal(t, tt.ok, ok, tt.path)
		require.Equal(t, tt.project, project, tt.path)
		require.Equal(t, tt.endpoint, endpoint, tt.path)
	}
}
