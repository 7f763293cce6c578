package githttp_test

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/signalbox/signalbox/server/githttp"
	"github.com/signalbox/signalbox/server/gitrepo"
)

// FuzzReadCommands checks the receive-pack command parser against a
// straightforward model of git's read_head_info, written from its rules
// with regular expressions: both accept the same bodies, return the same
// updates and read the same bytes. Every accepted ref is under refs/,
// passes check-ref-format (which TestCheckRefFormatAgreesWithGit holds to
// git's own answer) and holds no NUL or newline.
func FuzzReadCommands(f *testing.F) {
	const caps = "\x00 report-status side-band-64k agent=git/2.39.5\n"
	for _, body := range []string{
		"0000",
		pkt(zero+" "+shaA+" refs/heads/feature"+caps) + "0000PACK",
		pkt(zero+" "+shaA+" refs/heads/ok"+caps) + pkt(shaA+" "+shaB+" refs/heads/main\x00") + "0000PACK",
		pkt(zero+" "+shaA+" refs/heads/ok"+caps) + pkt(shaA+" "+shaB+" refs/heads/main\n\x00\n") + "0000",
		pkt("shallow "+shaA+"\n") + pkt(zero+" "+shaA+" refs/heads/x"+caps) + pkt("shallow "+shaB) + "0000",
		pkt(strings.Repeat("0", 64)+" "+strings.Repeat("c", 64)+" refs/heads/x\x00object-format=sha256\n") + "0000",
		pkt(shaA+" "+zero+" refs/tags/v1") + "0000",
		pkt(zero+" "+shaA+" refs/heads/a b"+caps) + "0000",
		pkt(zero+" "+shaA+" HEAD"+caps) + "0000",
		pkt("push-cert\x00caps\n") + "0000",
		"0001", "0003", "zzzz", "00", pkt(zero),
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := bytes.NewReader(body)
		updates, err := githttp.ReadCommands(r)
		consumed := len(body) - r.Len()
		want, wantConsumed, wantErr := modelReadCommands(body)

		switch {
		case wantErr == nil && err != nil:
			t.Fatalf("the model accepts %q, ReadCommands refuses it: %v", body, err)
		case wantErr != nil && err == nil:
			t.Fatalf("the model refuses %q (%v), ReadCommands accepts it: %+v", body, wantErr, updates)
		case err != nil:
			if !errors.Is(err, wantErr) {
				t.Fatalf("%q: ReadCommands refuses it with %v, the model with %v", body, err, wantErr)
			}
			return
		}
		if consumed != wantConsumed {
			t.Fatalf("%q: ReadCommands read %d bytes, git reads %d", body, consumed, wantConsumed)
		}
		if len(updates) != len(want) {
			t.Fatalf("%q: ReadCommands returns %+v, the model %+v", body, updates, want)
		}
		for i, u := range updates {
			if u != want[i] {
				t.Fatalf("%q: update %d is %+v, the model says %+v", body, i, u, want[i])
			}
			if strings.ContainsAny(u.Ref, "\x00\n") || !strings.HasPrefix(u.Ref, "refs/") || gitrepo.CheckRefFormat(u.Ref) != nil {
				t.Fatalf("%q: accepted a ref git would refuse: %q", body, u.Ref)
			}
		}
	})
}

var (
	modelShallow = regexp.MustCompile(`^shallow ([0-9a-f]{40}|[0-9a-f]{64})$`)
	modelCommand = regexp.MustCompile(`(?s)^(?:([0-9a-f]{40}) ([0-9a-f]{40})|([0-9a-f]{64}) ([0-9a-f]{64})) (.*)$`)
)

// modelReadCommands is git's read_head_info written as plainly as possible:
// pkt-lines to the flush, each payload without one trailing newline and cut
// at its first NUL, shallow lines skipped, every other line a command.
func modelReadCommands(body []byte) ([]githttp.RefUpdate, int, error) {
	var updates []githttp.RefUpdate
	pos := 0
	for {
		if len(body)-pos < 4 {
			return nil, 0, githttp.ErrMalformedCommands
		}
		n, err := strconv.ParseUint(string(body[pos:pos+4]), 16, 16)
		pos += 4
		if err != nil || (n > 0 && n < 4) || n > 65520 {
			return nil, 0, githttp.ErrMalformedCommands
		}
		if n == 0 {
			return updates, pos, nil
		}
		if uint64(len(body)-pos) < n-4 {
			return nil, 0, githttp.ErrMalformedCommands
		}
		line := strings.TrimSuffix(string(body[pos:pos+int(n)-4]), "\n")
		pos += int(n) - 4
		if i := strings.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		if modelShallow.MatchString(line) {
			continue
		}
		m := modelCommand.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(line, "shallow ") {
			return nil, 0, githttp.ErrMalformedCommands
		}
		old, newID, ref := m[1]+m[3], m[2]+m[4], m[5]
		if !strings.HasPrefix(ref, "refs/") || gitrepo.CheckRefFormat(ref) != nil {
			return nil, 0, gitrepo.ErrInvalidRefName
		}
		updates = append(updates, githttp.RefUpdate{Ref: ref, Old: old, New: newID})
	}
}
