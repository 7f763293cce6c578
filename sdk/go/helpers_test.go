package signalbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/stretchr/testify/require"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
	signalbox "github.com/signalbox/signalbox/sdk/go"
	"github.com/signalbox/signalbox/server/gitrepo/gitrepotest"
	"github.com/signalbox/signalbox/server/servertest"
)

// rootClient is a client of srv with the root token, plus opts.
func rootClient(t *testing.T, srv *servertest.Server, opts ...signalbox.Option) *signalbox.Client {
	t.Helper()
	c, err := signalbox.New(srv.URL, append([]signalbox.Option{signalbox.WithToken(servertest.RootToken)}, opts...)...)
	require.NoError(t, err)
	return c
}

// createProject creates a project in root's namespace and returns its
// namespace/path reference.
func createProject(t *testing.T, c *signalbox.Client, path string) string {
	t.Helper()
	res, err := c.Projects.CreateProject(t.Context(), &signalboxv1.CreateProjectRequest{Path: path})
	require.NoError(t, err)
	return res.GetProject().GetPathWithNamespace()
}

// calls counts the calls a client makes, by procedure, as a caller's
// interceptor sees them.
type calls struct {
	mu        sync.Mutex
	count     map[string]int
	protocols map[string]bool
}

func newCalls() *calls {
	return &calls{count: map[string]int{}, protocols: map[string]bool{}}
}

// interceptor records each call and the protocol the transport chose.
func (c *calls) interceptor() connect.ClientInterceptor {
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			stream, err := next(ctx, spec)
			info, _ := connect.CallInfoForClientContext(ctx)
			c.mu.Lock()
			defer c.mu.Unlock()
			c.count[spec.Procedure]++
			c.protocols[info.Protocol] = true
			return stream, err
		}
	}
}

func (c *calls) of(procedure string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[procedure]
}

func (c *calls) protocolSet() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for p := range c.protocols {
		out = append(out, p)
	}
	return out
}

// flaky is a fake Signalbox whose project and merge request services fail
// with Unavailable for their first failures calls, then answer. Only a
// fake can fail on cue; everything else is tested against the real server.
type flaky struct {
	signalboxv1connect.UnimplementedProjectServiceHandler
	signalboxv1connect.UnimplementedMergeRequestServiceHandler

	failures int32
	// failAfterFirst makes WatchMergeRequest fail after one message on every
	// call, as a server going away mid-stream does.
	failAfterFirst bool
	// code is what a failing call returns; Unavailable when zero.
	code connect.Code

	calls atomic.Int32
	mu    sync.Mutex
	auth  []string
}

func (f *flaky) attempt(ctx context.Context) error {
	n := f.calls.Add(1)
	info, _ := connect.CallInfoForServerContext(ctx)
	info.ResponseHeader().Set("X-Attempt", strconv.Itoa(int(n)))
	f.mu.Lock()
	f.auth = append(f.auth, info.RequestHeader().Get("Authorization"))
	f.mu.Unlock()
	if n <= f.failures {
		info.ResponseHeader().Set("X-Failed", "yes")
		code := f.code
		if code == 0 {
			code = connect.CodeUnavailable
		}
		return connect.NewError(code, "try again")
	}
	return nil
}

func (f *flaky) authorizations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auth...)
}

func (f *flaky) ListProjects(ctx context.Context, _ *signalboxv1.ListProjectsRequest) (*signalboxv1.ListProjectsResponse, error) {
	if err := f.attempt(ctx); err != nil {
		return nil, err
	}
	return &signalboxv1.ListProjectsResponse{
		Projects:  []*signalboxv1.Project{{Id: 1, PathWithNamespace: "root/demo"}},
		TotalSize: 1,
	}, nil
}

func (f *flaky) CreateProject(ctx context.Context, req *signalboxv1.CreateProjectRequest) (*signalboxv1.CreateProjectResponse, error) {
	if err := f.attempt(ctx); err != nil {
		return nil, err
	}
	return &signalboxv1.CreateProjectResponse{Project: &signalboxv1.Project{Id: 1, PathWithNamespace: "root/" + req.GetPath()}}, nil
}

func (f *flaky) WatchMergeRequest(ctx context.Context, req *signalboxv1.WatchMergeRequestRequest, stream signalboxv1connect.MergeRequestServiceWatchMergeRequestServerStream) error {
	if err := f.attempt(ctx); err != nil {
		return err
	}
	for i := range int64(2) {
		if err := stream.Send(&signalboxv1.WatchMergeRequestResponse{
			MergeRequest: &signalboxv1.MergeRequest{Iid: req.GetMergeRequestIid(), Title: "update " + string(rune('a'+i))},
		}); err != nil {
			return err
		}
		if f.failAfterFirst {
			return connect.NewError(connect.CodeUnavailable, "going away")
		}
	}
	return nil
}

// startFlaky serves f and returns its URL and a function that stops it.
func startFlaky(f *flaky) (url string, stop func()) {
	server := connect.NewServer()
	signalboxv1connect.RegisterProjectServiceHandler(server, f)
	signalboxv1connect.RegisterMergeRequestServiceHandler(server, f)
	return startServer(server)
}

func serveFlaky(t *testing.T, f *flaky) string {
	t.Helper()
	url, stop := startFlaky(f)
	t.Cleanup(stop)
	return url
}

// startServer serves a fake over HTTP/1.1 and h2c, as the real server does.
func startServer(server *connect.Server) (url string, stop func()) {
	mux := http.NewServeMux()
	connecthttp.Mount(mux, server)
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	return srv.URL, srv.Close
}

func serveHandler(t *testing.T, server *connect.Server) string {
	t.Helper()
	url, stop := startServer(server)
	t.Cleanup(stop)
	return url
}

// protocols are the three ways a Client can speak, for tests that run on
// each.
func protocols() map[string]signalbox.Option {
	return map[string]signalbox.Option{
		connect.ProtocolNameConnect: signalbox.WithOptions(),
		connect.ProtocolNameGRPC:    signalbox.WithGRPC(),
		connect.ProtocolNameGRPCWeb: signalbox.WithGRPCWeb(),
	}
}

// repo is a project with real git branches pushed to the server, and an
// open merge request from feature into main.
type repo struct {
	project string
	head    string // feature's head
	mrIID   int64
}

// newRepo pushes main and feature to a new project and opens a merge
// request, the way a developer would.
func newRepo(t *testing.T, srv *servertest.Server, c *signalbox.Client, path string) repo {
	t.Helper()
	ref := createProject(t, c, path)
	w := gitrepotest.NewWorktree(t)
	remote := strings.Replace(srv.URL, "http://", "http://root:"+servertest.RootToken+"@", 1) + "/" + ref + ".git"
	w.Git("remote", "add", "origin", remote)
	w.Checkout("main")
	w.Commit("Initial", map[string]string{"README.md": "hello\n"})
	w.Git("push", "--quiet", "origin", "main")
	w.Branch("feature", "main")
	head := w.Commit("Change", map[string]string{"README.md": "hello, world\n"})
	w.Git("push", "--quiet", "origin", "feature")
	mr, err := c.MergeRequests.CreateMergeRequest(t.Context(), &signalboxv1.CreateMergeRequestRequest{
		Project: ref, SourceBranch: "feature", TargetBranch: "main", Title: "Change README",
	})
	require.NoError(t, err)
	return repo{project: ref, head: head, mrIID: mr.GetMergeRequest().GetIid()}
}
