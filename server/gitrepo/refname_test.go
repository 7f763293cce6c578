package gitrepo_test

import (
	"errors"
	"flag"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
)

var (
	refnameSeed  = flag.Uint64("refname.seed", 1, "seed of the random ref names TestCheckRefFormatAgreesWithGit asks git about")
	refnameCount = flag.Int("refname.count", 400, "how many random ref names TestCheckRefFormatAgreesWithGit asks git about")
)

// TestCheckRefFormatAgreesWithGit asks the real "git check-ref-format" about
// a table of edge cases and a seeded run of random names built from the
// characters git treats specially, and requires CheckRefFormat to answer
// the same for every one.
func TestCheckRefFormatAgreesWithGit(t *testing.T) {
	t.Parallel()
	names := []string{
		"refs/heads/main", "refs/heads/release/1.0", "refs/tags/v1", "refs/x", "refs", "main", "@", "refs/@", "refs/heads/@",
		"refs/heads/a@b", "refs/heads/a@{1}", "refs/heads/a{b}", "refs/heads/a..b", "refs/heads/a.b", "refs/heads/.a",
		"refs/heads/a.", "refs/heads/a/", "refs//heads", "/refs/heads/a", "refs/heads/a.lock", "refs/heads/a.lock/b",
		"refs/heads/a.locked", "refs/heads/.lock", "refs/heads/a b", "refs/heads/a\tb", "refs/heads/a\nb", "refs/heads/a\x7f",
		"refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?", "refs/heads/a*", "refs/heads/a[b", "refs/heads/a]b",
		"refs/heads/a\\b", "refs/heads/-x", "refs/heads/HEAD", "refs/heads/é", "refs/heads/\xff\xfe", "refs/heads/a\u0085b",
		"refs/heads/a+b", "refs/heads/a,b", "refs/heads/a=b", "refs/heads/a#b", "refs/heads/a'b", "refs/heads/a\"b",
		"refs/heads/a!b", "refs/heads/a$b", "refs/heads/a%b", "refs/heads/a&b", "refs/heads/a|b", "refs/heads/a<b>",
		"refs/heads/a/./b", "refs/heads/a/../b", "refs/heads/...", "refs/heads/a...b", "refs/.heads/a", "refs./heads",
	}
	rng := rand.New(rand.NewPCG(*refnameSeed, 0))
	const alphabet = "ab./@{}~^:?*[]\\ -\t\x01\x7f\x80\xffLOCKlock"
	for range *refnameCount {
		var b strings.Builder
		b.WriteString("refs/")
		for range 1 + rng.IntN(12) {
			if rng.IntN(6) == 0 {
				b.WriteString([]string{".lock", "/", "..", "@{", "//"}[rng.IntN(5)])
				continue
			}
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		names = append(names, b.String())
	}
	for _, name := range names {
		cmd := exec.Command("git", "check-ref-format", name)
		cmd.Env = []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME=/nonexistent"}
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			require.NoError(t, err, "run git check-ref-format %q", name)
		}
		gitAccepts := err == nil
		ours := gitrepo.CheckRefFormat(name)
		if gitAccepts != (ours == nil) {
			t.Fatalf("%q: git check-ref-format accepts it: %v; CheckRefFormat: %v (seed %d, -refname.seed to replay)", name, gitAccepts, ours, *refnameSeed)
		}
		if ours != nil {
			require.ErrorIs(t, ours, gitrepo.ErrInvalidRefName)
		}
	}
}

// A NUL cannot reach git as an argument at all; in a ref name it is
// refused, as the control character it is.
func TestCheckRefFormatRefusesNUL(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"refs/heads/main\x00", "refs/heads/\x00main", "refs/heads/ma\x00in"} {
		require.ErrorIs(t, gitrepo.CheckRefFormat(name), gitrepo.ErrInvalidRefName, "%q", name)
	}
}
