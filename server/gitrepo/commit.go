package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signature is an author or committer: who, and when.
type Signature struct {
	Name  string
	Email string
	When  time.Time
}

// Commit is a commit as git stores it.
type Commit struct {
	SHA       string
	Tree      string
	Parents   []string
	Author    Signature
	Committer Signature
	// Message is the full message, exactly as stored.
	Message string
}

// Title is the first line of the message, as GitLab shows it.
func (c *Commit) Title() string {
	title, _, _ := strings.Cut(strings.TrimLeft(c.Message, "\n"), "\n")
	return strings.TrimRight(title, "\r")
}

// Commit reads the commit that rev names: a sha, a full ref name, or any
// revision git understands ("refs/heads/main~1"). A tag is peeled to its
// commit. A missing or non-commit object is ErrNotFound.
func (r *Repo) Commit(ctx context.Context, rev string) (*Commit, error) {
	if err := checkDynamic(rev); err != nil {
		return nil, err
	}
	if strings.ContainsAny(rev, "\n\r") {
		return nil, fmt.Errorf("%w: revision holds a line break", ErrUnsafeArgument)
	}
	if c, ok := r.commitByID(ctx, rev); ok {
		return c, nil
	}
	// "cat-file --batch" reads the name on standard input, so it is never
	// an option, and answers the sha and the raw object in one process.
	out, err := r.output(ctx, NewCommand("cat-file", "--batch"), strings.NewReader(rev+"^{commit}\n"), nil)
	if err != nil {
		return nil, err
	}
	header, body, ok := bytes.Cut(out, []byte("\n"))
	fields := strings.Fields(string(header))
	if !ok || len(fields) != 3 || fields[1] != "commit" {
		return nil, fmt.Errorf("%w: commit %s", ErrNotFound, rev)
	}
	size, err := strconv.Atoi(fields[2])
	if err != nil || size > len(body) {
		return nil, fmt.Errorf("cat-file: unexpected answer %q", header)
	}
	c, err := parseCommit(body[:size])
	if err != nil {
		return nil, err
	}
	c.SHA = fields[0]
	return c, nil
}

// parseCommit reads a raw commit object: header lines, a blank line, the
// message. Headers git may add (gpgsig, encoding, mergetag) are skipped,
// with their continuation lines.
func parseCommit(raw []byte) (*Commit, error) {
	head, msg, _ := strings.Cut(string(raw), "\n\n")
	c := &Commit{Message: msg}
	for line := range strings.SplitSeq(head, "\n") {
		key, val, _ := strings.Cut(line, " ")
		var err error
		switch key {
		case "tree":
			c.Tree = val
		case "parent":
			c.Parents = append(c.Parents, val)
		case "author":
			c.Author, err = parseSignature(val)
		case "committer":
			c.Committer, err = parseSignature(val)
		}
		if err != nil {
			return nil, err
		}
	}
	if c.Tree == "" {
		return nil, fmt.Errorf("commit without a tree")
	}
	return c, nil
}

// parseSignature reads "Name <email> 1700000000 +0100".
func parseSignature(s string) (Signature, error) {
	open := strings.IndexByte(s, '<')
	end := strings.LastIndexByte(s, '>')
	if open < 0 || end < open {
		return Signature{}, fmt.Errorf("bad signature %q", s)
	}
	sig := Signature{Name: strings.TrimSpace(s[:open]), Email: s[open+1 : end]}
	fields := strings.Fields(s[end+1:])
	if len(fields) != 2 {
		return sig, nil // git tolerates a missing date; so do we
	}
	secs, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return Signature{}, fmt.Errorf("bad signature time %q", s)
	}
	zone, err := time.Parse("-0700", fields[1])
	if err != nil {
		return Signature{}, fmt.Errorf("bad signature zone %q", s)
	}
	_, offset := zone.Zone()
	sig.When = time.Unix(secs, 0).In(time.FixedZone(fields[1], offset))
	return sig, nil
}

// CommitSpec is a commit to write.
type CommitSpec struct {
	// Tree is the tree's object id.
	Tree string
	// Parents are the parents' object ids, first parent first.
	Parents []string
	// Message is stored as given, plus a final newline when it has none.
	Message string
	// Author and Committer must both have a name, an email and a time, so
	// that the same spec always gives the same sha.
	Author    Signature
	Committer Signature
}

// CommitTree writes a commit object (no ref moves) and returns its sha.
func (r *Repo) CommitTree(ctx context.Context, s CommitSpec) (string, error) {
	env := make([]string, 0, 6)
	for _, p := range []struct {
		role string
		sig  Signature
	}{{"AUTHOR", s.Author}, {"COMMITTER", s.Committer}} {
		if err := checkSignature(p.sig); err != nil {
			return "", fmt.Errorf("%s: %w", strings.ToLower(p.role), err)
		}
		env = append(env,
			"GIT_"+p.role+"_NAME="+p.sig.Name,
			"GIT_"+p.role+"_EMAIL="+p.sig.Email,
			"GIT_"+p.role+"_DATE="+gitDate(p.sig.When))
	}
	c := NewCommand("commit-tree", "--no-gpg-sign")
	for _, p := range s.Parents {
		c.AddOptionValue("-p", p)
	}
	c.EndOfOptions().AddDynamic(s.Tree)
	msg := s.Message
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	// The message goes on standard input: it may start with "-" and be of
	// any length.
	out, err := r.output(ctx, c, strings.NewReader(msg), env)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// checkSignature refuses identities git would mangle or that could forge
// a header line of the commit object.
func checkSignature(s Signature) error {
	switch {
	case strings.TrimSpace(s.Name) == "" || strings.TrimSpace(s.Email) == "":
		return fmt.Errorf("%w: name and email are required", ErrInvalidSignature)
	case strings.ContainsAny(s.Name+s.Email, "<>\n\r\x00"):
		return fmt.Errorf("%w: name or email holds <, > or a line break", ErrInvalidSignature)
	case s.When.IsZero():
		return fmt.Errorf("%w: no time", ErrInvalidSignature)
	}
	return nil
}

// gitDate is git's internal date format, "<unix seconds> <+hhmm>", which
// keeps the time zone.
func gitDate(t time.Time) string {
	return strconv.FormatInt(t.Unix(), 10) + " " + t.Format("-0700")
}
