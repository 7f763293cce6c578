// Package examplesrv runs a whole Signalbox in-process for the SDK's
// examples, which have no *testing.T to start servertest with, and pushes
// to it with real git. Every commit has a fixed identity and date, so its
// sha, and so an example's output, is the same on every run.
package examplesrv

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/app"
	"github.com/signalbox/signalbox/server/config"
)

// RootToken is the root token of the examples' server.
const RootToken = "glpat-example-root-token"

// Server is a running Signalbox on its embedded store.
type Server struct {
	URL     string
	dir     string
	commits int
	stop    func()
}

// Start runs a Signalbox as "go run ./server" does. allowLocal lets it
// deliver to check services on this machine (--allow-local-network). It
// panics on failure: an example cannot go on without it.
func Start(allowLocal bool) *Server {
	dir, err := os.MkdirTemp("", "signalbox-example-")
	must(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	url := "http://" + ln.Addr().String()
	cfg := config.Config{
		Listen:             ln.Addr().String(),
		DataDir:            filepath.Join(dir, "data"),
		RootToken:          RootToken,
		StatusCheckTimeout: 2 * time.Minute,
		ExternalURL:        url,
		SecretKey:          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		LogLevel:           slog.LevelError,
		AllowLocalNetwork:  allowLocal,
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	must(err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	s := &Server{URL: url, dir: dir}
	s.stop = func() {
		cancel()
		<-done
		_ = a.Close()
		_ = os.RemoveAll(dir)
	}
	return s
}

// Close stops the server and removes its data.
func (s *Server) Close() { s.stop() }

// Push commits files on branch of project (a "namespace/path"), starting
// it from start when start is not "", pushes it as root over smart HTTP,
// and returns the new head.
func (s *Server) Push(project, branch, start string, files map[string]string) string {
	work := filepath.Join(s.dir, "work", strings.ReplaceAll(project, "/", "_"))
	if _, err := os.Stat(work); err != nil {
		s.git("", "init", "--quiet", "--initial-branch=main", work)
		remote := strings.Replace(s.URL, "http://", "http://root:"+RootToken+"@", 1) + "/" + project + ".git"
		s.git(work, "remote", "add", "origin", remote)
	}
	switch {
	case start != "":
		s.git(work, "checkout", "--quiet", "-B", branch, start)
	case s.gitOK(work, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch):
		s.git(work, "checkout", "--quiet", branch)
	default:
		s.git(work, "checkout", "--quiet", "--orphan", branch)
	}
	for path, content := range files {
		must(os.WriteFile(filepath.Join(work, path), []byte(content), 0o644))
	}
	s.git(work, "add", "--all")
	s.commits++
	s.git(work, "commit", "--quiet", "-m", "Change "+branch)
	s.git(work, "push", "--quiet", "origin", branch)
	return strings.TrimSpace(s.git(work, "rev-parse", "HEAD"))
}

func (s *Server) git(dir string, args ...string) string {
	out, err := s.command(dir, args...).CombinedOutput()
	if err != nil {
		panic(fmt.Sprintf("git %s: %v\n%s", strings.Join(args, " "), err, out))
	}
	return string(out)
}

func (s *Server) gitOK(dir string, args ...string) bool {
	return s.command(dir, args...).Run() == nil
}

// command is git with no configuration but this one, and the commit
// identity and date fixed.
func (s *Server) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	date := strconv.Itoa(1_700_000_000+s.commits*60) + " +0000"
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.dir,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C",
		"GIT_AUTHOR_NAME=Example", "GIT_AUTHOR_EMAIL=example@example.com", "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=Example", "GIT_COMMITTER_EMAIL=example@example.com", "GIT_COMMITTER_DATE=" + date,
	}
	return cmd
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// MergeRequest is what a check service is asked about.
type MergeRequest struct {
	Project   string // namespace/path
	ProjectID int64
	CheckID   int64
	IID       int64
	Head      string
}

// MergeRequest makes the project "app" with the status check "qa" at
// checkURL (signed with secret when it is not ""), pushes main and feature,
// and opens a merge request from feature into main.
func (s *Server) MergeRequest(ctx context.Context, client *signalbox.Client, checkURL, secret string) MergeRequest {
	p, err := client.Projects.CreateProject(ctx, &signalboxv1.CreateProjectRequest{Path: "app"})
	must(err)
	out := MergeRequest{Project: p.GetProject().GetPathWithNamespace(), ProjectID: p.GetProject().GetId()}
	check := &signalboxv1.CreateStatusCheckRequest{
		Project: out.Project, Name: proto.String("qa"), ExternalUrl: proto.String(checkURL),
	}
	if secret != "" {
		check.SharedSecret = proto.String(secret)
	}
	c, err := client.StatusChecks.CreateStatusCheck(ctx, check)
	must(err)
	out.CheckID = c.GetCheck().GetId()
	s.Push(out.Project, "main", "", map[string]string{"README.md": "hello\n"})
	out.Head = s.Push(out.Project, "feature", "main", map[string]string{"README.md": "hello, world\n"})
	mr, err := client.MergeRequests.CreateMergeRequest(ctx, &signalboxv1.CreateMergeRequestRequest{
		Project: out.Project, SourceBranch: "feature", TargetBranch: "main", Title: "Greet the world",
	})
	must(err)
	out.IID = mr.GetMergeRequest().GetIid()
	return out
}

// CheckStatus is the status of the merge request's check "qa".
func CheckStatus(ctx context.Context, client *signalbox.Client, mr MergeRequest) string {
	res, err := client.StatusChecks.ListMergeRequestStatusChecks(ctx, &signalboxv1.ListMergeRequestStatusChecksRequest{
		Project: mr.Project, MergeRequestIid: mr.IID,
	})
	must(err)
	for _, c := range res.GetStatusChecks() {
		if c.GetId() == mr.CheckID {
			return c.GetStatus().String()
		}
	}
	return "none"
}
