// Package api is derbes's REST API under /api/v1: short handlers that
// decode, call the service, and encode; one adapter that turns a domain
// error into an RFC 9457 problem+json response; and the OpenAPI 3.1
// document that describes it all (openapi.yaml, golden-tested).
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

// MaxBody is the largest JSON request body accepted.
const MaxBody = 1 << 20

// API holds the handlers' dependencies.
type API struct {
	svc     *service.Service
	log     *slog.Logger
	metrics Metrics
	exports exportJobs // queued exports of this node
}

// Metrics is what the API reports to: requests by route pattern and status
// (internal/metrics implements it).
type Metrics interface {
	Observe(route string, status int, d time.Duration)
	Handler() http.Handler
}

// SetMetrics makes the API report to m and serve it at /metrics. Call it
// before serving.
func (a *API) SetMetrics(m Metrics) { a.metrics = m }

// Observe records a finished request, when metrics are set.
func (a *API) Observe(route string, status int, d time.Duration) {
	if a.metrics != nil {
		a.metrics.Observe(route, status, d)
	}
}

// MetricsPage handles GET /metrics: the Prometheus metrics, for auditors
// and administrators (a token with audit or administer permission).
func (a *API) MetricsPage(w http.ResponseWriter, r *http.Request) error {
	role := derbes.PrincipalFrom(r.Context()).Role
	if !role.AllowsAny(derbes.ActAudit, "*") && !role.AllowsAny(derbes.ActAdminister, "*") {
		return a.svc.Refuse(r.Context(), "metrics.read", "", "", nil, derbes.Forbidden("", "permission", "your role may not read metrics"))
	}
	if a.metrics == nil {
		return derbes.NotFound("metrics are not enabled")
	}
	a.metrics.Handler().ServeHTTP(w, r)
	return nil
}

// New returns the API over svc.
func New(svc *service.Service, log *slog.Logger) *API { return &API{svc: svc, log: log} }

// HandlerFunc is a handler that returns its error for Handle to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts h to http.Handler: an error becomes problem+json.
func (a *API) Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.Problem(w, r, err)
		}
	})
}

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[derbes.ErrorCode]int{
	derbes.EInvalid:      http.StatusBadRequest,
	derbes.ENotFound:     http.StatusNotFound,
	derbes.EForbidden:    http.StatusForbidden,
	derbes.EUnauthorized: http.StatusUnauthorized,
	derbes.EConflict:     http.StatusConflict,
	derbes.ETooLarge:     http.StatusRequestEntityTooLarge,
	derbes.ETooMany:      http.StatusTooManyRequests,
	derbes.EUnavailable:  http.StatusServiceUnavailable,
	derbes.EInternal:     http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem document, with the field and rule that
// were broken as extension members.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Field     string `json:"field,omitempty"`
	Rule      string `json:"rule,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	// Problems lists every item of a refusal that covers many.
	Problems []derbes.Problem `json:"problems,omitempty"`
}

// Problem writes err as problem+json. An error that is not a domain error
// is logged and answered with a generic 500: its text may hold details the
// caller must not see.
func (a *API) Problem(w http.ResponseWriter, r *http.Request, err error) {
	e := derbes.AsError(err)
	if e == nil || e.Code == derbes.EInternal {
		if !errors.Is(err, context.Canceled) {
			a.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "route", r.Pattern, "err", err)
		}
		e = &derbes.Error{Code: derbes.EInternal, Rule: "internal", Message: "internal error; the request id identifies it in the logs"}
	}
	status := statusOf[e.Code]
	p := Problem{Type: "urn:derbes:problem:" + string(e.Code), Title: http.StatusText(status), Status: status,
		Detail: e.Message, Field: e.Field, Rule: e.Rule, RequestID: derbes.RequestIDFrom(r.Context()), Problems: e.Problems}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="derbes"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v strictly: size-limited, unknown fields
// and trailing data refused. Its errors name the field and rule but never
// echo the input, which may be personal data.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return derbes.Invalid("", "content-type", "the body must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &derbes.Error{Code: derbes.ETooLarge, Rule: "body-too-large", Message: "the request body is larger than 1 MiB"}
		}
		return derbes.Invalid("", "body-unreadable", "the request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return derbes.Invalid("", "json-trailing-data", "the body holds more than one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return derbes.Invalid(te.Field, "json-type", "the field has the wrong JSON type (expected "+te.Type.String()+")")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return derbes.Invalid("", "json-syntax", "the body is not well-formed JSON")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return derbes.Invalid(strings.Trim(f, `"`), "unknown-field", "the field is not part of this request")
	}
	return derbes.Invalid("", "json-invalid", "the body does not match the request schema")
}
