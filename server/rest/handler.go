// Package rest is the GitLab door: GitLab's documented REST paths under
// /api/v4, byte-compatible with GitLab, so GitLab clients and curl scripts
// work unchanged. It translates and never decides: every route builds an API
// request, calls the Connect API in process (so auth, scoping and validation
// interceptors run exactly as for gRPC), and encodes GitLab's entity or
// error. It imports only the generated API, never a domain package.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectinprocess"

	signalboxv1 "github.com/signalbox/signalbox/gen/signalbox/v1"
	"github.com/signalbox/signalbox/gen/signalbox/v1/signalboxv1connect"
)

// DefaultMaxBodyBytes limits request bodies; larger ones get 413.
const DefaultMaxBodyBytes = 1 << 20

// Handler serves /api/v4.
type Handler struct {
	mux         *http.ServeMux
	api         clients
	externalURL string
	maxBody     int64
	logger      *slog.Logger
}

// clients are the API clients the routes call.
type clients struct {
	users             signalboxv1connect.UserServiceClient
	projects          signalboxv1connect.ProjectServiceClient
	members           signalboxv1connect.MemberServiceClient
	protectedBranches signalboxv1connect.ProtectedBranchServiceClient
	statusChecks      signalboxv1connect.StatusCheckServiceClient
	mergeRequests     signalboxv1connect.MergeRequestServiceClient
	repository        signalboxv1connect.RepositoryServiceClient
	mergeTrains       signalboxv1connect.MergeTrainServiceClient
	pipelines         signalboxv1connect.PipelineServiceClient
	metadata          signalboxv1connect.MetadataServiceClient
}

// Option configures a Handler.
type Option interface{ apply(*Handler) }

type optionFunc func(*Handler)

func (f optionFunc) apply(h *Handler) { f(h) }

// WithMaxBodyBytes sets the request body limit (default 1 MiB).
func WithMaxBodyBytes(n int64) Option { return optionFunc(func(h *Handler) { h.maxBody = n }) }

// New returns the REST door over the API server. externalURL is the base of
// the pagination links.
func New(server *connect.Server, externalURL string, logger *slog.Logger, opts ...Option) *Handler {
	client := connect.NewClient(connectinprocess.New(server))
	h := &Handler{
		mux: http.NewServeMux(),
		api: clients{
			users:             signalboxv1connect.NewUserServiceClient(client),
			projects:          signalboxv1connect.NewProjectServiceClient(client),
			members:           signalboxv1connect.NewMemberServiceClient(client),
			protectedBranches: signalboxv1connect.NewProtectedBranchServiceClient(client),
			statusChecks:      signalboxv1connect.NewStatusCheckServiceClient(client),
			mergeRequests:     signalboxv1connect.NewMergeRequestServiceClient(client),
			repository:        signalboxv1connect.NewRepositoryServiceClient(client),
			mergeTrains:       signalboxv1connect.NewMergeTrainServiceClient(client),
			pipelines:         signalboxv1connect.NewPipelineServiceClient(client),
			metadata:          signalboxv1connect.NewMetadataServiceClient(client),
		},
		externalURL: strings.TrimRight(externalURL, "/"),
		maxBody:     DefaultMaxBodyBytes,
		logger:      logger,
	}
	for _, o := range opts {
		o.apply(h)
	}
	for _, rt := range h.routes() {
		h.mux.Handle(rt.pattern, h.serve(rt))
	}
	// GitLab answers every unknown route, whatever the method, with this.
	h.mux.HandleFunc("/api/v4/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, routeNotFound().status, routeNotFound().body)
	})
	return h
}

// ServeHTTP serves a request under /api/v4. A malformed string in the
// path, query or credentials is refused before anything else, as GitLab's
// middleware does.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if malformedRequest(r) {
		writeMalformed(w)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// route is one row of the route table: a ServeMux pattern and its handler.
type route struct {
	pattern string
	handle  func(*call) error
}

// call is one REST request on its way to the API and back.
type call struct {
	h      *Handler
	w      http.ResponseWriter
	r      *http.Request
	params *params
	// override replaces the GitLab answer to particular API errors on this
	// route, where GitLab's answer is route-specific.
	override func(apiError) (failure, bool)
}

func (h *Handler) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{h: h, w: w, r: r}
		p, err := parseParams(r, h.maxBody)
		switch {
		case errors.Is(err, errBodyTooLarge):
			c.write(bodyTooLarge())
			return
		case errors.Is(err, errMalformed):
			writeMalformed(w) // before authentication, as in GitLab
			return
		case err != nil:
			// Grape would have parsed the body first, but the caller still
			// learns nothing before being authenticated.
			c.params = &params{values: map[string]any{}}
			c.refuse(bodyNotJSON())
			return
		}
		c.params = p
		if err := rt.handle(c); err != nil {
			c.fail(err)
		}
	})
}

// ctx is the request context with the caller's credentials attached for the
// in-process call: PRIVATE-TOKEN, Authorization, or the private_token and
// access_token parameters, as GitLab accepts them.
func (c *call) ctx() context.Context {
	ctx, info := connect.NewClientContext(c.r.Context())
	h := info.RequestHeader()
	if v := c.r.Header.Get("If-Unmodified-Since"); v != "" {
		h.Set("If-Unmodified-Since", v) // GitLab's conditional destroy, checked by the API
	}
	if t := c.r.Header.Get("Private-Token"); t != "" {
		h.Set("Private-Token", t)
	} else if a := c.r.Header.Get("Authorization"); a != "" {
		h.Set("Authorization", a)
	} else if t, _, _ := c.params.str("private_token"); t != "" {
		h.Set("Private-Token", t)
	} else if t, _, _ := c.params.str("access_token"); t != "" {
		h.Set("Authorization", "Bearer "+t)
	}
	return ctx
}

// fail answers an error from a route: an API error through the table (or
// the route's override), a parameter error after the caller's identity and
// project have been checked.
func (c *call) fail(err error) {
	var pe *paramError
	if errors.As(err, &pe) {
		c.refuse(failure{400, errorBody{pe.Error()}})
		return
	}
	e := unpack(err)
	if c.override != nil {
		if f, ok := c.override(e); ok {
			c.write(f)
			return
		}
	}
	f := gitlabFailure(e)
	if f.status >= 500 {
		c.h.logger.ErrorContext(c.r.Context(), "rest call failed", "method", c.r.Method, "path", c.r.URL.Path, "error", err)
	}
	c.write(f)
}

// refuse answers a problem the adapter found itself (a parameter that does
// not parse, a body that is not JSON). GitLab authenticates and finds the
// project before validating parameters, so the adapter first asks the API
// the same questions; their answer, if any, wins.
func (c *call) refuse(f failure) {
	var err error
	if ref := c.r.PathValue("id"); ref != "" {
		// Listing one member needs a caller (401) and a project the caller
		// can see (404), and changes nothing.
		_, err = c.h.api.members.ListMembers(c.ctx(), &signalboxv1.ListMembersRequest{Project: ref, PerPage: 1})
	} else {
		_, err = c.h.api.users.GetCurrentUser(c.ctx(), &signalboxv1.GetCurrentUserRequest{})
	}
	if code := connect.CodeOf(err); err != nil && (code == connect.CodeUnauthenticated || code == connect.CodeNotFound) {
		c.write(gitlabFailure(unpack(err)))
		return
	}
	c.write(f)
}

func (c *call) write(f failure) { writeJSON(c.w, f.status, f.body) }

// ok answers with a GitLab entity.
func (c *call) ok(status int, body any) error {
	writeJSON(c.w, status, body)
	return nil
}

// noContent answers 204 with no body, as GitLab's deletes do.
func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeJSON encodes v as GitLab does: no HTML escaping (URLs keep their
// "&"), no trailing newline. An answer that writes its own JSON
// (jsonAppender) skips encoding/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var body []byte
	if a, ok := v.(jsonAppender); ok {
		body = a.appendJSON(make([]byte, 0, a.jsonSize()))
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"message":"500 Internal Server Error"}`)
		}
		body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	if cc := h["Cache-Control"]; len(cc) == 0 || cc[0] == "" {
		h["Cache-Control"] = []string{"no-cache"}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
