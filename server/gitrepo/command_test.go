package gitrepo_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signalbox/signalbox/server/gitrepo"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
)

func TestAddDynamicRefusesOptionLikeValues(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"--upload-pack=touch /tmp/pwned", "-c", "-", "", "a\x00b"} {
		c := gitrepo.NewCommand("rev-parse").AddDynamic("HEAD", v)
		require.ErrorIs(t, c.Err(), gitrepo.ErrUnsafeArgument, "%q", v)
		require.Equal(t, []string{"rev-parse", "HEAD"}, c.Args(), "a refused value is never added")
	}
	c := gitrepo.NewCommand("commit-tree").AddOptionValue("-p", "--output=x")
	require.ErrorIs(t, c.Err(), gitrepo.ErrUnsafeArgument)

	ok := gitrepo.NewCommand("rev-parse").EndOfOptions().AddDynamic("refs/heads/-not-an-option", "a b")
	require.NoError(t, ok.Err())
	require.Equal(t, []string{"rev-parse", "--end-of-options", "refs/heads/-not-an-option", "a b"}, ok.Args())
}

func TestRunRefusesBeforeStartingGit(t *testing.T) {
	t.Parallel()
	runner := gitrepotest.NewRunner(t)
	// If this ran, git would write the file: the refusal must come first.
	target := filepath.Join(t.TempDir(), "pwned")
	c := gitrepo.NewCommand("log").AddDynamic("--output=" + target)
	err := runner.Run(context.Background(), c, gitrepo.RunOptions{})
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	require.NoFileExists(t, target)
}

func TestRepoOperationsRefuseInjectedBranchNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := gitrepotest.New(t)
	main := f.Commit("main", "", "base", map[string]string{"a.txt": "a\n"})
	evil := "--upload-pack=touch " + filepath.Join(t.TempDir(), "pwned")
	output := "--output=" + filepath.Join(t.TempDir(), "written")

	_, err := f.Repo.Refs(ctx, evil)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.Ref(ctx, evil)
	require.ErrorIs(t, err, gitrepo.ErrInvalidRefName)
	_, err = f.Repo.Commit(ctx, output)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.IsAncestor(ctx, output, main)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.MergeBase(ctx, main, output)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.CountCommits(ctx, output, main)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, _, err = f.Repo.AheadBehind(ctx, output, main)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.MergeTree(ctx, main, output)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.Merge(ctx, gitrepo.MergeParams{
		Target: main, Source: output, Method: gitrepo.MethodMerge,
		Author: gitrepotest.Signature(9), Committer: gitrepotest.Signature(9),
	})
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	_, err = f.Repo.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", Parents: []string{output},
		Message: "x", Author: gitrepotest.Signature(9), Committer: gitrepotest.Signature(9),
	})
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	err = f.Repo.UpdateRef(ctx, "refs/heads/main", output, main)
	require.ErrorIs(t, err, gitrepo.ErrUnsafeArgument)
	err = f.Repo.SetDefaultBranch(ctx, evil)
	require.ErrorIs(t, err, gitrepo.ErrInvalidRefName)
	_, err = f.Runner.Init(ctx, filepath.Join(t.TempDir(), "x.git"), evil)
	require.ErrorIs(t, err, gitrepo.ErrInvalidRefName)

	require.NoFileExists(t, strings.TrimPrefix(output, "--output="))
	refs, err := f.Repo.Refs(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"refs/heads/main": main}, refs)
}

func TestValidateBranchName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"main", true},
		{"release/1.0", true},
		{"feature/x-y_z", true},
		{"-main", false},
		{"--upload-pack=x", false},
		{"HEAD", false},
		{"a..b", false},
		{"a b", false},
		{"a~1", false},
		{"a^", false},
		{"a:b", false},
		{"a?", false},
		{"a*", false},
		{"a[", false},
		{"a\\b", false},
		{"a@{1}", false},
		{"@", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{".a", false},
		{"a/.b", false},
		{"a.lock", false},
		{"a.", false},
		{"a\x7f", false},
		{"a\tb", false},
		{"", false},
	} {
		err := gitrepo.ValidateBranchName(tt.name)
		if tt.ok {
			require.NoError(t, err, "%q", tt.name)
		} else {
			require.ErrorIs(t, err, gitrepo.ErrInvalidRefName, "%q", tt.name)
		}
	}
}

// Not parallel: it changes the process environment, which every git the
// runner starts must ignore.
func TestRunnerIgnoresInheritedConfiguration(t *testing.T) {
	ctx := context.Background()
	userHome := t.TempDir()
	gitconfig := filepath.Join(userHome, ".gitconfig")
	require.NoError(t, os.WriteFile(gitconfig, []byte("[user]\n\tname = leaked-global\n"), 0o600))
	t.Setenv("HOME", userHome)
	t.Setenv("GIT_CONFIG_GLOBAL", gitconfig)
	t.Setenv("GIT_CONFIG_PARAMETERS", "'user.email'='leaked@example.com'")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "core.hooksPath")
	t.Setenv("GIT_CONFIG_VALUE_0", "/leaked")
	t.Setenv("GIT_DIR", filepath.Join(userHome, "not-a-repo"))
	t.Setenv("LANG", "de_DE.UTF-8")

	f := gitrepotest.New(t)
	env := f.Runner.Environ("GIT_CONFIG_NOSYSTEM=0", "EXTRA=1")
	for _, want := range []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "EXTRA=1"} {
		require.Contains(t, env, want)
	}
	for _, kv := range env {
		require.NotContains(t, kv, "leaked")
		require.NotContains(t, kv, "de_DE")
	}
	// extra never overrides the hardened settings: they come last.
	require.Equal(t, "GIT_CONFIG_NOSYSTEM=1", lastOf(env, "GIT_CONFIG_NOSYSTEM="))

	var home string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			home = v
		}
	}
	require.NotEqual(t, userHome, home)
	info, err := os.Stat(home)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())

	out, err := f.Repo.Run(ctx, gitrepo.NewCommand("config", "--list", "--show-origin"), nil)
	require.NoError(t, err)
	require.NotContains(t, string(out), "leaked")
	require.Contains(t, string(out), "http.receivepack=true", "the repository's own config is read")
}

func lastOf(env []string, prefix string) string {
	var last string
	for _, kv := range env {
		if strings.HasPrefix(kv, prefix) {
			last = kv
		}
	}
	return last
}

func TestRunStopsAtTimeout(t *testing.T) {
	t.Parallel()
	// The repository is made without the short timeout: only the command
	// below is meant to run out of time, not Init's git init and configs.
	dir := filepath.Join(t.TempDir(), "r.git")
	_, err := gitrepotest.NewRunner(t).Init(context.Background(), dir, "main")
	require.NoError(t, err)
	repo := gitrepotest.NewRunner(t, gitrepo.WithTimeout(100*time.Millisecond)).Open(dir)
	// cat-file --batch waits for input that never comes.
	stdin, w, err := os.Pipe()
	require.NoError(t, err)
	defer w.Close()
	defer stdin.Close()
	_, err = repo.Run(context.Background(), gitrepo.NewCommand("cat-file", "--batch"), stdin)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var gerr *gitrepo.Error
	require.ErrorAs(t, err, &gerr)
	require.Equal(t, "cat-file", gerr.Args[0])
}

func TestErrorsCarryStderrWithoutCredentials(t *testing.T) {
	t.Parallel()
	f := gitrepotest.New(t)
	// show-ref quotes the name it could not verify on standard error.
	ref := "refs/heads/https://alice:glpat-s3cr3t@example.com/root/demo.git"
	_, err := f.Repo.Run(context.Background(), gitrepo.NewCommand("show-ref", "--verify").EndOfOptions().AddDynamic(ref), nil)
	require.Error(t, err)
	var gerr *gitrepo.Error
	require.ErrorAs(t, err, &gerr)
	require.Equal(t, 128, gerr.ExitCode)
	require.Contains(t, err.Error(), "not a valid ref", "git's message is kept")
	require.Contains(t, err.Error(), "https://<redacted>@example.com/root/demo.git")
	require.NotContains(t, err.Error(), "s3cr3t")
	require.NotContains(t, strings.Join(gerr.Args, " "), "s3cr3t")
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://u:p@host/x":                   "https://<redacted>@host/x",
		"fatal: http://tok@h:80/a and ssh://x": "fatal: http://<redacted>@h:80/a and ssh://x",
		"no url here user@example.com":         "no url here user@example.com",
		"https://host/path@v1":                 "https://host/path@v1",
	} {
		require.Equal(t, want, gitrepo.Redact(in), in)
	}
}

func TestCheckVersion(t *testing.T) {
	t.Parallel()
	runner := gitrepotest.NewRunner(t)
	require.NoError(t, runner.CheckVersion(context.Background()))
	v, err := runner.Version(context.Background())
	require.NoError(t, err)
	require.Regexp(t, `^\d+\.\d+`, v)
}
