package signalbox

import (
	"net/http"
	"time"

	"connectrpc.com/connect/v2"
)

// Option configures a [Client] built by [New]. Options are sealed: only this
// package can write one, so a new knob never breaks a caller's code.
type Option interface {
	applyToClient(*config)
}

// config is what the options set; New reads it once.
type config struct {
	token        string
	httpClient   *http.Client
	protocol     string
	retry        retryPolicy
	interceptors []connect.ClientInterceptor
}

// defaultConfig is a Client without options: Connect protocol, no token,
// reads retried three times.
func defaultConfig() config {
	return config{
		protocol: connect.ProtocolNameConnect,
		retry: retryPolicy{
			maxAttempts: defaultMaxAttempts,
			initial:     defaultInitialBackoff,
			max:         defaultMaxBackoff,
		},
	}
}

// WithOptions bundles several options into one, so a caller can keep a
// house set (token, retries, logging) in one value. Nil options are skipped.
func WithOptions(opts ...Option) Option {
	return optionsOption(opts)
}

type optionsOption []Option

func (o optionsOption) applyToClient(c *config) {
	for _, opt := range o {
		if opt != nil {
			opt.applyToClient(c)
		}
	}
}

// WithToken sends token, a personal access token, as "Authorization:
// Bearer <token>" on every call.
//
// By default no token is sent, and only anonymous calls (reading public
// projects) succeed; every other call fails with
// [connect.CodeUnauthenticated]. An empty token also sends none. The header
// replaces any Authorization header the caller set on the call's
// [connect.CallInfo]; to act as someone else, build another Client. New
// refuses a token with control characters, which could not travel in a
// header.
func WithToken(token string) Option {
	return tokenOption(token)
}

type tokenOption string

func (o tokenOption) applyToClient(c *config) { c.token = string(o) }

// WithHTTPClient sends every call through client, for proxies, TLS
// settings, timeouts or tests.
//
// By default the Client uses [http.DefaultClient], except with [WithGRPC]
// on an http:// URL, where it builds a client that speaks HTTP/2 without
// TLS (h2c). A client given here is used as it is with every protocol, so
// for gRPC over http:// it must speak h2c itself. A nil client keeps the
// default.
func WithHTTPClient(client *http.Client) Option {
	return httpClientOption{client}
}

type httpClientOption struct{ client *http.Client }

func (o httpClientOption) applyToClient(c *config) { c.httpClient = o.client }

// WithGRPC speaks gRPC instead of the Connect protocol. On an http:// URL it
// uses HTTP/2 without TLS (h2c, with prior knowledge), as grpcurl
// -plaintext does, and connects directly, ignoring HTTP_PROXY; on https:// it
// negotiates HTTP/2 through TLS.
//
// By default the Client speaks the Connect protocol with binary protobuf,
// which works over HTTP/1.1 and HTTP/2 alike. Of WithGRPC and [WithGRPCWeb],
// the last one given wins.
func WithGRPC() Option {
	return protocolOption(connect.ProtocolNameGRPC)
}

// WithGRPCWeb speaks gRPC-Web instead of the Connect protocol, over HTTP/1.1
// or HTTP/2, for networks whose proxies pass only what browsers send. Of
// [WithGRPC] and WithGRPCWeb, the last one given wins.
func WithGRPCWeb() Option {
	return protocolOption(connect.ProtocolNameGRPCWeb)
}

type protocolOption string

func (o protocolOption) applyToClient(c *config) { c.protocol = string(o) }

// WithRetry sets how calls that fail with [connect.CodeUnavailable] are
// tried again: at most maxAttempts attempts in all, the first retry after
// about initialBackoff, each later one after twice as long, never more than
// maxBackoff, every wait jittered down by up to half so that many clients do
// not retry in step. Only reads are retried, never writes; the package
// documentation says why.
//
// A wait ends early, with a Canceled or DeadlineExceeded error, when the
// call's context ends; a wait that would outlast the context's deadline is
// not begun, and the call returns the last Unavailable error at once.
//
// By default a read gets 3 attempts with waits starting at 100ms and capped
// at 2s. A maxAttempts of 1 or less turns retries off. A non-positive
// initialBackoff means the default 100ms; a maxBackoff below initialBackoff
// means initialBackoff.
func WithRetry(maxAttempts int, initialBackoff, maxBackoff time.Duration) Option {
	return retryOption{retryPolicy{maxAttempts: maxAttempts, initial: initialBackoff, max: maxBackoff}}
}

type retryOption struct{ policy retryPolicy }

func (o retryOption) applyToClient(c *config) {
	p := o.policy
	if p.initial <= 0 {
		p.initial = defaultInitialBackoff
	}
	if p.max < p.initial {
		p.max = p.initial
	}
	c.retry = p
}

// WithInterceptors adds client interceptors, for logging, tracing or extra
// headers. They run in the order given, the first outermost, and all of them
// outside the Client's own retry and token interceptors: they see one call
// per method call, with its final error, however many attempts it took.
// Giving WithInterceptors more than once appends. Nil interceptors are
// skipped.
//
// By default there are none.
func WithInterceptors(interceptors ...connect.ClientInterceptor) Option {
	return interceptorsOption(interceptors)
}

type interceptorsOption []connect.ClientInterceptor

func (o interceptorsOption) applyToClient(c *config) {
	for _, ic := range o {
		if ic != nil {
			c.interceptors = append(c.interceptors, ic)
		}
	}
}
