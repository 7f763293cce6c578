// Package metrics is the server's Prometheus instrumentation: one
// prometheus.Registry per server (no global registry), served at /metrics.
//
// Every label value comes from a small fixed set: a door, a route pattern
// (never a raw path), a status code, an outcome, a Redis command name, a
// car state or a drop reason. No project path, sha or user ever becomes a
// label, so the number of series stays bounded whatever clients send.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of Signalbox's own.
const namespace = "signalbox"

// Metrics holds the server's registry and the metrics its parts report.
type Metrics struct {
	registry *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	deliveries      *prometheus.CounterVec
	deliveryLatency *prometheus.HistogramVec
	pipelines       *prometheus.HistogramVec
	storeLatency    *prometheus.HistogramVec
	storeErrors     *prometheus.CounterVec

	// The children every request or Redis call reports to.
	requestSeries  *series[[3]string, prometheus.Counter]
	durationSeries *series[[2]string, prometheus.Observer]
	storeSeries    *series[string, prometheus.Observer]
}

// New returns Metrics on a registry of their own, with the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "Requests served, by door (rest, grpc, grpc-web, connect, git, web, ops), route pattern and status code (the gRPC status for gRPC).",
		}, []string{"door", "route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to serve a request, by door and route pattern; streams count until they end.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"door", "route"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "delivery", Name: "attempts_total",
			Help: "Delivery attempts to status check receivers (and pipeline hooks), by outcome: success, retryable or terminal.",
		}, []string{"outcome"}),
		deliveryLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "delivery", Name: "attempt_duration_seconds",
			Help:    "Time one delivery attempt took, until the receiver answered or the attempt failed, by outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		pipelines: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "pipeline", Name: "duration_seconds",
			Help:    "Time from a pipeline's creation to its completion, as seen by this replica, by final status.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 s to about 2.3 h
		}, []string{"status"}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "store", Name: "command_duration_seconds",
			Help:    "Time of a Redis command, pipeline or transaction (command \"pipeline\" or \"multi\"), by command.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"command"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "store", Name: "errors_total",
			Help: "Redis commands that failed (a missing key is not a failure), by command.",
		}, []string{"command"}),
	}
	m.requestSeries = newSeries(func(l [3]string) prometheus.Counter { return m.requests.WithLabelValues(l[:]...) })
	m.durationSeries = newSeries(func(l [2]string) prometheus.Observer { return m.requestDuration.WithLabelValues(l[:]...) })
	m.storeSeries = newSeries(func(name string) prometheus.Observer { return m.storeLatency.WithLabelValues(name) })
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestDuration, m.deliveries, m.deliveryLatency, m.pipelines, m.storeLatency, m.storeErrors,
	)
	return m
}

// Registry is the server's registry, for collectors of other parts.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the registry in Prometheus's text (or OpenMetrics) format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry, EnableOpenMetrics: true})
}

// DeliveryAttempted records one delivery attempt.
func (m *Metrics) DeliveryAttempted(outcome string, took time.Duration) {
	m.deliveries.WithLabelValues(outcome).Inc()
	m.deliveryLatency.WithLabelValues(outcome).Observe(took.Seconds())
}

// PipelineFinished records a pipeline that completed with status after
// took.
func (m *Metrics) PipelineFinished(status string, took time.Duration) {
	m.pipelines.WithLabelValues(status).Observe(took.Seconds())
}
