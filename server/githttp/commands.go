package githttp

import (
	"bytes"
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

// InvalidRefError is a pushed ref name that git would not take as it is:
// not under refs/, or refused by "git check-ref-format". It wraps
// gitrepo.ErrInvalidRefName.
type InvalidRefError struct{ Ref string }

func (e *InvalidRefError) Error() string {
	if !strings.HasPrefix(e.Ref, "refs/") {
		return fmt.Sprintf("Invalid ref name %q: only refs under refs/ can be pushed.", e.Ref)
	}
	return fmt.Sprintf("Invalid ref name %q: git check-ref-format refuses it.", e.Ref)
}

func (e *InvalidRefError) Unwrap() error { return gitrepo.ErrInvalidRefName }

// maxPktLine is the longest pkt-line git sends: 65520 bytes, its 4-byte
// length included. (receive-pack would read up to 3 bytes more; no client
// sends them.)
const maxPktLine = 65520

// ReadCommands reads the command list at the start of a receive-pack
// request body exactly as git's receive-pack reads it (read_head_info and
// queue_command in builtin/receive-pack.c), so that the updates it returns
// are the ones git will make:
//
//   - pkt-lines up to the flush packet "0000"; nothing beyond it is read, so
//     the rest of r (push options, the pack) is untouched;
//   - one trailing newline is dropped from each payload, and the text ends
//     at the payload's first NUL: what follows is a capability list, on any
//     line, not only the first (a line "<old> <new> refs/heads/main\x00"
//     updates refs/heads/main);
//   - "shallow <id>" lines, wherever they come;
//   - every other line is "<old> <new> <ref>", the ref being everything
//     after the second space.
//
// Where git would stop or die, ReadCommands returns ErrMalformedCommands:
// a delimiter packet, a signed push (the server never offers them), a
// truncated body. It returns an *InvalidRefError for a ref that is not
// under refs/ or that "git check-ref-format" refuses, so that no permission is ever decided on a
// name git would read differently. It is stricter than git in small ways
// (lower-case object ids only, exact shallow lines), which refuses rather
// than reinterprets.
func ReadCommands(r io.Reader) ([]RefUpdate, error) {
	var updates []RefUpdate
	buf := make([]byte, maxPktLine)
	for {
		payload, err := readPktLine(r, buf)
		if err != nil {
			return nil, err
		}
		if payload == nil {
			return updates, nil
		}
		line := commandText(payload)
		switch {
		case strings.HasPrefix(line, "shallow "):
			if !gitrepo.IsObjectID(line[len("shallow "):]) {
				return nil, fmt.Errorf("%w: %q", ErrMalformedCommands, line)
			}
		case line == "push-cert":
			return nil, fmt.Errorf("%w: signed pushes are not supported", ErrMalformedCommands)
		default:
			u, err := parseCommand(line)
			if err != nil {
				return nil, err
			}
			updates = append(updates, u)
		}
	}
}

// readPktLine reads one pkt-line into buf and returns its payload, or nil
// for the flush packet.
func readPktLine(r io.Reader, buf []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedCommands, err)
	}
	n, err := strconv.ParseUint(string(hdr[:]), 16, 16)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: bad pkt-line length %q", ErrMalformedCommands, hdr[:])
	case n == 0:
		return nil, nil
	case n < 4:
		// 0001 and 0002 (delimiter, response end) would end git's list
		// too, but no client sends them here; 0003 is invalid.
		return nil, fmt.Errorf("%w: unexpected packet %q", ErrMalformedCommands, hdr[:])
	case n > maxPktLine:
		return nil, fmt.Errorf("%w: bad pkt-line length %d", ErrMalformedCommands, n)
	}
	payload := buf[:n-4]
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedCommands, err)
	}
	return payload, nil
}

// commandText is what receive-pack reads as the command in one payload:
// one trailing newline goes (git's PACKET_READ_CHOMP_NEWLINE, applied to
// the whole payload), and the text ends at the first NUL.
func commandText(payload []byte) string {
	payload = bytes.TrimSuffix(payload, []byte("\n"))
	text, _, _ := bytes.Cut(payload, []byte{0})
	return string(text)
}

// parseCommand reads "<old> <new> <ref>". The ref is the rest of the line,
// as in git, so it may hold anything but NUL until CheckRefFormat refuses
// it.
func parseCommand(line string) (RefUpdate, error) {
	old, rest, ok1 := strings.Cut(line, " ")
	newID, ref, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !gitrepo.IsObjectID(old) || !gitrepo.IsObjectID(newID) || len(old) != len(newID) {
		return RefUpdate{}, fmt.Errorf("%w: %q", ErrMalformedCommands, line)
	}
	if !strings.HasPrefix(ref, "refs/") || gitrepo.CheckRefFormat(ref) != nil {
		return RefUpdate{}, &InvalidRefError{Ref: ref}
	}
	return RefUpdate{Old: old, New: newID, Ref: ref}, nil
}
