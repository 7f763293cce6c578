package githttp

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/signalbox/signalbox/server/gitrepo"
)

// ErrMalformedCommands means a receive-pack request does not start with a
// command list git would accept.
var ErrMalformedCommands = errors.New("malformed receive-pack command list")

// maxPktLine is the longest pkt-line git sends: 65520 bytes, its 4-byte
// length included.
const maxPktLine = 65520

// ReadCommands reads the command list at the start of a receive-pack
// request body: optional "shallow <id>" lines, then pkt-lines
// "<old> <new> <ref>" (the first one followed by NUL and the client's
// capabilities), up to the flush packet "0000". It reads nothing beyond the
// flush packet, so the rest of r (push options, the pack) is untouched.
// Signed pushes (a push certificate) are refused as malformed: the server
// never offers them.
func ReadCommands(r io.Reader) ([]RefUpdate, error) {
	var updates []RefUpdate
	var hdr [4]byte
	buf := make([]byte, maxPktLine)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformedCommands, err)
		}
		n, err := strconv.ParseUint(string(hdr[:]), 16, 16)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: bad pkt-line length %q", ErrMalformedCommands, hdr[:])
		case n == 0:
			return updates, nil
		case n < 4 || n > maxPktLine:
			return nil, fmt.Errorf("%w: bad pkt-line length %d", ErrMalformedCommands, n)
		}
		line := buf[:n-4]
		if _, err := io.ReadFull(r, line); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformedCommands, err)
		}
		s := strings.TrimSuffix(string(line), "\n")
		if len(updates) == 0 {
			if strings.HasPrefix(s, "shallow ") {
				continue
			}
			s, _, _ = strings.Cut(s, "\x00")
		}
		u, err := parseCommand(s)
		if err != nil {
			return nil, err
		}
		updates = append(updates, u)
	}
}

func parseCommand(s string) (RefUpdate, error) {
	fields := strings.Split(s, " ")
	if len(fields) != 3 || !gitrepo.IsObjectID(fields[0]) || len(fields[1]) != len(fields[0]) || !gitrepo.IsObjectID(fields[1]) ||
		!strings.HasPrefix(fields[2], "refs/") {
		return RefUpdate{}, fmt.Errorf("%w: %q", ErrMalformedCommands, s)
	}
	return RefUpdate{Old: fields[0], New: fields[1], Ref: fields[2]}, nil
}
