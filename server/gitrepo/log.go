package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/signalbox/signalbox/server/gitrepo/internal/gitarg"
)

// LogQuery selects commits for Log, as git log's options do.
type LogQuery struct {
	// Rev is where the walk starts: a sha, a full ref name, or a range git
	// understands ("refs/heads/main..refs/heads/feature"). Ignored when All
	// is set.
	Rev string
	// All walks from every ref instead.
	All bool
	// Path keeps only the commits that change this path, taken literally
	// (no glob or other pathspec magic).
	Path string
	// Since and Until keep only commits committed at or after, and at or
	// before, these times; zero means no bound.
	Since, Until time.Time
	// Author keeps only commits whose author name or email matches this
	// regular expression, as git log --author does.
	Author string
	// FirstParent follows only the first parent of merges.
	FirstParent bool
	// Topo shows no parent before all of its children (git's
	// --topo-order); otherwise git's default order, newest first.
	Topo bool
	// Skip commits are passed over, then at most Max (which must be
	// positive) are returned.
	Skip, Max int
}

// Log returns the commits q selects, in order. A revision that names
// nothing is ErrNotFound. It runs two processes whatever the page size:
// rev-list for the shas, and one cat-file for every commit.
func (r *Repo) Log(ctx context.Context, q LogQuery) ([]*Commit, error) {
	if q.Max <= 0 || q.Skip < 0 {
		return nil, fmt.Errorf("log: max must be positive and skip not negative")
	}
	c := NewCommand("rev-list").
		AddArgs(gitarg.Trusted("--max-count=" + strconv.Itoa(q.Max))).
		AddArgs(gitarg.Trusted("--skip=" + strconv.Itoa(q.Skip)))
	if q.FirstParent {
		c.AddArgs("--first-parent")
	}
	if q.Topo {
		c.AddArgs("--topo-order")
	}
	// Integer timestamps: git's date parser never guesses.
	if !q.Since.IsZero() {
		c.AddArgs(gitarg.Trusted("--max-age=" + strconv.FormatInt(q.Since.Unix(), 10)))
	}
	if !q.Until.IsZero() {
		c.AddArgs(gitarg.Trusted("--min-age=" + strconv.FormatInt(q.Until.Unix(), 10)))
	}
	if q.Author != "" {
		if strings.ContainsAny(q.Author, "\n\r") {
			return nil, fmt.Errorf("%w: author holds a line break", ErrUnsafeArgument)
		}
		// The "=" form: a value that starts with "-" stays a value.
		c.AddArgs(gitarg.Trusted("--author=" + q.Author))
	}
	if q.All {
		c.AddArgs("--all").EndOfOptions()
	} else {
		if strings.ContainsAny(q.Rev, "\n\r") {
			return nil, fmt.Errorf("%w: revision holds a line break", ErrUnsafeArgument)
		}
		c.EndOfOptions().AddDynamic(q.Rev)
	}
	c.AddArgs("--")
	if q.Path != "" {
		c.AddDynamic(":(literal)" + q.Path)
	}
	out, err := r.output(ctx, c, nil, nil)
	if err != nil {
		if exitCode(err) == 128 && isBadRevision(stderrOf(err)) {
			return nil, fmt.Errorf("%w: revision %s", ErrNotFound, Redact(q.Rev))
		}
		if exitCode(err) == 128 && strings.Contains(stderrOf(err), "Invalid regular expression") {
			return nil, fmt.Errorf("%w: author", ErrInvalidPattern)
		}
		return nil, err
	}
	shas := strings.Fields(string(out))
	if len(shas) == 0 {
		return nil, nil
	}
	return r.commits(ctx, shas)
}

// isBadRevision recognises git's answers for a revision that names nothing.
func isBadRevision(stderr string) bool {
	return strings.Contains(stderr, "bad revision") || strings.Contains(stderr, "unknown revision") ||
		strings.Contains(stderr, "Invalid revision range") || strings.Contains(stderr, "bad object")
}

// commits reads the commits of full shas in one cat-file process.
func (r *Repo) commits(ctx context.Context, shas []string) ([]*Commit, error) {
	var in strings.Builder
	for _, s := range shas {
		in.WriteString(s + "\n")
	}
	out, err := r.output(ctx, NewCommand("cat-file", "--batch"), strings.NewReader(in.String()), nil)
	if err != nil {
		return nil, err
	}
	commits := make([]*Commit, 0, len(shas))
	for range shas {
		header, rest, ok := bytes.Cut(out, []byte("\n"))
		fields := strings.Fields(string(header))
		if !ok || len(fields) != 3 || fields[1] != "commit" {
			return nil, fmt.Errorf("cat-file: unexpected answer %q", header)
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil || size+1 > len(rest) {
			return nil, fmt.Errorf("cat-file: unexpected answer %q", header)
		}
		c, err := parseCommit(rest[:size])
		if err != nil {
			return nil, err
		}
		c.SHA = fields[0]
		commits = append(commits, c)
		out = rest[size+1:] // the object, then a newline
	}
	return commits, nil
}
