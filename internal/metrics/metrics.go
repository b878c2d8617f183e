// Package metrics exposes derbes's Prometheus metrics (R-OPS-4) on its own
// registry: requests by route pattern and status, latency, refusals by rule,
// the audit chain's length, scheduled job runs and the last backup's age. Labels are route patterns, statuses, rule
// codes and action names only: never a URL, an id or a value, so no
// personal data can reach a metric.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds derbes's collectors.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	refusals *prometheus.CounterVec
	jobs     *prometheus.CounterVec
}

// ChainLength reports the audit chain's length, read at scrape time.
type ChainLength func(ctx context.Context) (int64, error)

// New returns the metrics with the Go and process collectors, and a gauge
// of the audit chain's length read through chain.
func New(chain ChainLength) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "derbes_http_requests_total",
			Help: "HTTP requests by route pattern and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "derbes_http_request_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "derbes_refusals_total",
			Help: "Refused operations by action and rule."}, []string{"action", "rule"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "derbes_job_runs_total",
			Help: "Scheduled job runs by job and outcome (ok or error)."}, []string{"job", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.refusals, m.jobs, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if chain != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "derbes_audit_chain_entries",
			Help: "Entries in the audit chain."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			n, err := chain(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// Observe records one request.
func (m *Metrics) Observe(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// Refusal records a refused operation; the service calls it for every
// audited refusal.
func (m *Metrics) Refusal(action, rule string) { m.refusals.WithLabelValues(action, rule).Inc() }

// JobRun records one run of a scheduled job.
func (m *Metrics) JobRun(job string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.jobs.WithLabelValues(job, outcome).Inc()
}

// LastBackup reports when the last verified backup was made; ok is false
// when none has been.
type LastBackup func(ctx context.Context) (at time.Time, ok bool, err error)

// WatchBackups adds derbes_backup_age_seconds, read through last at scrape
// time: -1 when no backup has been verified, so that an alert on "age >
// 2 days or < 0" catches both a broken schedule and a missing one.
func (m *Metrics) WatchBackups(last LastBackup) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "derbes_backup_age_seconds",
		Help: "Age of the last verified backup in seconds; -1 when there is none."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		at, ok, err := last(ctx)
		if err != nil || !ok {
			return -1
		}
		return time.Since(at).Seconds()
	}))
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
