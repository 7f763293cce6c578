package delivery

import (
	"net"
	"net/http"
	"time"

	"github.com/signalbox/signalbox/server/clock"
)

// Defaults of a [Client]. The total timeout sits inside the 15-30 s that
// Standard Webhooks recommends receivers answer within, and well inside a
// check's 2-minute pending deadline, so a hung receiver leaves time to retry.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultTotalTimeout   = 15 * time.Second
)

// UserAgent is the User-Agent of every delivery.
const UserAgent = "Signalbox"

// maxResponseHeaderBytes bounds what a receiver can make us buffer.
const maxResponseHeaderBytes = 64 << 10

// Client posts deliveries. It refuses to connect to loopback, link-local,
// private, shared (CGNAT), multicast, unspecified and reserved addresses,
// including their IPv4-mapped forms, unless [WithAllowLocalNetwork] says
// otherwise. The address is checked when it is dialed, after DNS resolution,
// so DNS rebinding cannot get around it. It never follows redirects and uses
// no proxy from the environment, since the guard would then check the proxy's
// address instead of the receiver's.
//
// A Client is safe for concurrent use and keeps idle connections for reuse;
// [Client.CloseIdleConnections] releases them.
type Client struct {
	http  *http.Client
	clock clock.Clock
	cfg   clientConfig
}

// ClientOption configures a [Client]. Only this package can implement it.
type ClientOption interface {
	applyToClient(*clientConfig)
}

type clientConfig struct {
	allowLocalNetwork bool
	connectTimeout    time.Duration
	totalTimeout      time.Duration
	clock             clock.Clock
	observe           func(Result)
}

type clientOptionFunc func(*clientConfig)

func (f clientOptionFunc) applyToClient(c *clientConfig) { f(c) }

// WithAllowLocalNetwork lets deliveries reach addresses on the local network
// (the server's --allow-local-network, GitLab's "allow requests to the local
// network"). The default is false.
func WithAllowLocalNetwork(allow bool) ClientOption {
	return clientOptionFunc(func(c *clientConfig) { c.allowLocalNetwork = allow })
}

// WithConnectTimeout bounds the TCP connect and, separately, the TLS
// handshake. The default is [DefaultConnectTimeout]; zero or less keeps it.
func WithConnectTimeout(d time.Duration) ClientOption {
	return clientOptionFunc(func(c *clientConfig) {
		if d > 0 {
			c.connectTimeout = d
		}
	})
}

// WithTotalTimeout bounds a whole attempt: connect, send, and reading the
// response. The default is [DefaultTotalTimeout]; zero or less keeps it.
func WithTotalTimeout(d time.Duration) ClientOption {
	return clientOptionFunc(func(c *clientConfig) {
		if d > 0 {
			c.totalTimeout = d
		}
	})
}

// WithClock sets the clock that timestamps attempts and reads Retry-After
// dates. The default is the wall clock; nil keeps it.
func WithClock(c clock.Clock) ClientOption {
	return clientOptionFunc(func(cfg *clientConfig) {
		if c != nil {
			cfg.clock = c
		}
	})
}

// WithClientOptions bundles several options into one.
func WithClientOptions(opts ...ClientOption) ClientOption {
	return clientOptionFunc(func(c *clientConfig) {
		for _, o := range opts {
			o.applyToClient(c)
		}
	})
}

// NewClient returns a Client configured by opts.
func NewClient(opts ...ClientOption) *Client {
	cfg := clientConfig{
		connectTimeout: DefaultConnectTimeout,
		totalTimeout:   DefaultTotalTimeout,
		clock:          clock.Real{},
	}
	for _, o := range opts {
		o.applyToClient(&cfg)
	}
	dialer := &net.Dialer{Timeout: cfg.connectTimeout, KeepAlive: 30 * time.Second}
	if !cfg.allowLocalNetwork {
		dialer.Control = guardControl
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    cfg.connectTimeout,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    32, // many checks often share one receiver host
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
	}
	return &Client{
		http: &http.Client{
			Transport: transport,
			Timeout:   cfg.totalTimeout,
			// A redirect could lead to a local address or drop the
			// signature's meaning; its answer is the 3xx itself.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		clock: cfg.clock,
		cfg:   cfg,
	}
}

// CloseIdleConnections closes connections kept for reuse. Call it when the
// Client is no longer needed.
func (c *Client) CloseIdleConnections() {
	c.http.CloseIdleConnections()
}

// TotalTimeout is the longest one attempt can take; leases on a delivery
// must outlive it.
func (c *Client) TotalTimeout() time.Duration { return c.cfg.totalTimeout }
