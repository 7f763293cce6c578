package gitrepo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/signalbox/signalbox/server/gitrepo/internal/gitarg"
)

// Command is a git command line under construction, in the manner of
// gitea's gitcmd: trusted arguments are literals in the source, and every
// value from outside goes through AddDynamic, which refuses anything git
// could read as an option. The first refusal is kept and returned when the
// command is run, so a bad value never reaches git.
type Command struct {
	args []string
	err  error
}

// NewCommand starts a command with trusted arguments, for example
// NewCommand("merge-tree", "--write-tree"). Outside this package only
// string constants can be passed.
func NewCommand(args ...gitarg.Trusted) *Command {
	c := &Command{}
	return c.AddArgs(args...)
}

// AddArgs appends trusted arguments.
func (c *Command) AddArgs(args ...gitarg.Trusted) *Command {
	for _, a := range args {
		c.args = append(c.args, string(a))
	}
	return c
}

// AddDynamic appends values that come from users or from the data: branch
// names, shas, paths. A value that is empty, starts with "-" or holds a NUL
// byte is refused, so "--upload-pack=..." can never become an option.
func (c *Command) AddDynamic(values ...string) *Command {
	for _, v := range values {
		if err := checkDynamic(v); err != nil {
			c.fail(err)
			continue
		}
		c.args = append(c.args, v)
	}
	return c
}

// AddOptionValue appends a trusted option and its dynamic value as two
// arguments, as in "-p" <sha>. The value follows AddDynamic's rules.
func (c *Command) AddOptionValue(opt gitarg.Trusted, value string) *Command {
	if err := checkDynamic(value); err != nil {
		c.fail(err)
		return c
	}
	c.args = append(c.args, string(opt), value)
	return c
}

// EndOfOptions appends "--end-of-options", after which git reads no
// argument as an option even if it starts with "-". Every command that
// takes revisions or ref names puts it before them, as a second line of
// defence behind AddDynamic.
func (c *Command) EndOfOptions() *Command {
	c.args = append(c.args, "--end-of-options")
	return c
}

// Args returns a copy of the arguments, without "git".
func (c *Command) Args() []string { return slices.Clone(c.args) }

// Err returns the first refused value, if any.
func (c *Command) Err() error { return c.err }

// String is the command line for logs, with credentials masked.
func (c *Command) String() string {
	return "git " + strings.Join(redactAll(c.args), " ")
}

func (c *Command) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// checkDynamic is the rule for values that come from outside the code.
func checkDynamic(v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: empty value", ErrUnsafeArgument)
	case strings.HasPrefix(v, "-"):
		return fmt.Errorf("%w: %q starts with \"-\"", ErrUnsafeArgument, Redact(v))
	case strings.ContainsRune(v, 0):
		return fmt.Errorf("%w: value holds a NUL byte", ErrUnsafeArgument)
	}
	return nil
}
