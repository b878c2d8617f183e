package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/api"
)

// wrap applies, outermost first: the client address (through trusted
// proxies), panic recovery, the request id, security
// headers, cross-origin protection for state-changing requests, and an
// access log that records the route pattern, never the URL (a URL could
// carry an identifier a client put there by mistake).
func wrap(h http.Handler, a *api.API, log *slog.Logger, proxies Proxies) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Problem(w, r, derbes.Forbidden("", "cross-origin", "cross-origin state-changing requests are refused"))
	}))
	h = cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(proxies) > 0 {
			r.RemoteAddr = proxies.clientAddr(r)
		}
		var idb [8]byte
		rand.Read(idb[:])
		id := hex.EncodeToString(idb[:])
		r = r.WithContext(derbes.WithRequestID(r.Context(), id))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		secure(sw.Header(), id)
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				log.ErrorContext(r.Context(), "panic", "route", r.Pattern, "panic", fmt.Sprint(v))
				a.Problem(sw, r, fmt.Errorf("panic: %v", v))
			}
			d := time.Since(start)
			a.Observe(r.Pattern, sw.status, d)
			log.InfoContext(r.Context(), "request", "id", id, "method", r.Method, "route", r.Pattern,
				"status", sw.status, "ms", d.Milliseconds())
		}()
		h.ServeHTTP(sw, r)
	})
}

// secure sets strict security headers on every response.
func secure(h http.Header, requestID string) {
	h.Set("X-Request-Id", requestID)
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Strict-Transport-Security", "max-age=31536000")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
