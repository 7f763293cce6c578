// Package signalbox is the Go client of the Signalbox API. [New] returns a
// [Client] holding the generated client of every service, all over one
// connection, with:
//
//   - a personal access token sent on every call ([WithToken]);
//   - the Connect protocol by default, or gRPC ([WithGRPC]) or gRPC-Web
//     ([WithGRPCWeb]);
//   - reads retried when the server is unavailable ([WithRetry]);
//   - iterators over paginated lists ([Client.AllProjects] and the rest);
//   - helpers that read the error details the server attaches ([ProblemOf],
//     [IsShaMismatch], [Violations]).
//
// Requests and responses are the generated messages of
// github.com/signalbox/signalbox/gen/signalbox/v1; this package adds no types
// of its own over them.
//
// # Retries
//
// A call is retried only when it fails with [connect.CodeUnavailable] (the
// server is down, restarting, or unreachable) and only when its procedure
// is declared free of side effects or idempotent in the proto, which is
// true of the Get, List and Watch methods. Writes are never retried: an
// Unavailable answer does not say whether the server acted before it failed,
// so a retried create could create twice and a retried status response
// could overwrite a newer one. A caller who knows a write is safe to repeat
// can retry it on [connect.CodeOf]. Streams are retried only until their
// first response message; a stream that breaks later returns its error, for
// the caller to resume from what it has seen.
//
// # Iterators
//
// [Client.AllProjects], [Client.AllStatusChecks] and the other All methods
// walk every page of one List method as an [iter.Seq2] of items and errors.
// Each takes the List request as a template for its filters: its page and
// per_page are ignored (the iterator asks for pages of 100, the most the API
// gives), and the request itself is never changed. A page is fetched only
// when the loop reaches it, so breaking out early saves the remaining calls.
// An error ends the sequence: it is yielded once, with a nil item. The walk
// stops when total_size items have been seen or a page comes back empty,
// whichever is first; records created or deleted meanwhile may shift
// between pages, as with any paged listing.
//
// # Errors
//
// Errors are [*connect.Error] values; [connect.CodeOf] gives the code. The
// server attaches a signalbox.v1.Problem detail with a stable reason to
// every error it returns on purpose, and the broken rules to every
// InvalidArgument. [ProblemOf], [ReasonOf], [Violations] and the Is
// functions read them, so that callers never parse message text, which may
// change.
//
// Check services that receive Signalbox's webhooks are served by the sibling
// package github.com/signalbox/signalbox/sdk/go/receiver.
package signalbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
)

// ErrInvalidBaseURL is returned by [New] for a base URL that is not an
// absolute http:// or https:// URL.
var ErrInvalidBaseURL = errors.New("signalbox: base URL must be an absolute http:// or https:// URL")

// ErrInvalidToken is returned by [New] for a token that cannot travel in a
// header. The token itself is never part of an error.
var ErrInvalidToken = errors.New("signalbox: token contains control characters")

// Client is a Signalbox API client. Each field is the generated client of
// one service; all of them share one connection, token and retry policy. A
// Client is safe for concurrent use.
type Client struct {
	// Users creates users and personal access tokens.
	Users signalboxv1connect.UserServiceClient
	// Projects creates, reads and configures projects.
	Projects signalboxv1connect.ProjectServiceClient
	// Members manages a project's members.
	Members signalboxv1connect.MemberServiceClient
	// ProtectedBranches protects and unprotects branches.
	ProtectedBranches signalboxv1connect.ProtectedBranchServiceClient
	// StatusChecks configures external status checks and records their
	// answers.
	StatusChecks signalboxv1connect.StatusCheckServiceClient
	// MergeRequests opens, watches and merges merge requests.
	MergeRequests signalboxv1connect.MergeRequestServiceClient
	// Repository reads a project's git branches.
	Repository signalboxv1connect.RepositoryServiceClient
	// MergeTrains adds merge requests to their target branch's train and
	// reads the cars.
	MergeTrains signalboxv1connect.MergeTrainServiceClient
	// Pipelines records CI's commit statuses, reads pipelines and manages
	// the project hooks that announce them.
	Pipelines signalboxv1connect.PipelineServiceClient

	conn *connect.Client
}

// New returns a Client for the server at baseURL, such as
// "https://signalbox.example.com" or "http://127.0.0.1:8080". A path in
// baseURL (a server behind a reverse proxy) is kept. New makes no call; the
// first call finds out whether the server is there.
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	WithOptions(opts...).applyToClient(&cfg)

	u, err := url.Parse(baseURL)
	if err != nil {
		// The parse error would quote the URL, which may hold a password.
		return nil, ErrInvalidBaseURL
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q", ErrInvalidBaseURL, u.Redacted())
	}
	if !validToken(cfg.token) {
		return nil, ErrInvalidToken
	}

	httpClient := cfg.httpClient
	if httpClient == nil {
		httpClient = defaultHTTPClient(cfg.protocol, u.Scheme)
	}
	var transportOpts []connecthttp.Option
	switch cfg.protocol {
	case connect.ProtocolNameGRPC:
		transportOpts = append(transportOpts, connecthttp.WithGRPC())
	case connect.ProtocolNameGRPCWeb:
		transportOpts = append(transportOpts, connecthttp.WithGRPCWeb())
	}
	transport := connecthttp.NewTransport(httpClient, baseURL, transportOpts...)

	// The caller's interceptors go outermost so that they see one call per
	// method call; the token goes innermost so that every attempt has it.
	interceptors := append([]connect.ClientInterceptor(nil), cfg.interceptors...)
	interceptors = append(interceptors, newRetryInterceptor(cfg.retry))
	if cfg.token != "" {
		interceptors = append(interceptors, newAuthInterceptor(cfg.token))
	}
	conn := connect.NewClient(transport, interceptors...)

	return &Client{
		Users:             signalboxv1connect.NewUserServiceClient(conn),
		Projects:          signalboxv1connect.NewProjectServiceClient(conn),
		Members:           signalboxv1connect.NewMemberServiceClient(conn),
		ProtectedBranches: signalboxv1connect.NewProtectedBranchServiceClient(conn),
		StatusChecks:      signalboxv1connect.NewStatusCheckServiceClient(conn),
		MergeRequests:     signalboxv1connect.NewMergeRequestServiceClient(conn),
		Repository:        signalboxv1connect.NewRepositoryServiceClient(conn),
		MergeTrains:       signalboxv1connect.NewMergeTrainServiceClient(conn),
		Pipelines:         signalboxv1connect.NewPipelineServiceClient(conn),
		conn:              conn,
	}, nil
}

// Conn returns the connection the service clients share, with the Client's
// token, retries and interceptors, for generated clients of services the
// Client has no field for.
func (c *Client) Conn() *connect.Client {
	return c.conn
}

// defaultHTTPClient is the HTTP client for a protocol and URL scheme when
// the caller gives none.
func defaultHTTPClient(protocol, scheme string) *http.Client {
	if protocol != connect.ProtocolNameGRPC || scheme != "http" {
		// HTTPS negotiates HTTP/2 through TLS, which gRPC needs; Connect and
		// gRPC-Web also work over HTTP/1.1.
		return http.DefaultClient
	}
	// gRPC needs HTTP/2, which plain http:// gives only as h2c with prior
	// knowledge; the server speaks it on the same port. The clone keeps the
	// default dial and idle timeouts.
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	transport := &http.Transport{}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = def.Clone()
	}
	transport.Protocols = protocols
	// An HTTP proxy would be spoken to in HTTP/1.1, which h2c cannot pass.
	transport.Proxy = nil
	return &http.Client{Transport: transport}
}
