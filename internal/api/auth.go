package api

import (
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/derbes-kz/derbes"
)

// RequireToken authenticates the request's bearer token and puts its
// principal in the context. A missing or bad token is refused with 401 and
// the refusal is audited (R-AUDIT-1): the entry names the route, never the
// token.
func (a *API) RequireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := derbes.Anonymous
		var err error = derbes.Errorf(derbes.EUnauthorized, "token-missing", "an API token is required")
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			p, err = a.svc.Authenticate(r.Context(), strings.TrimSpace(tok))
		}
		if err != nil {
			a.Problem(w, r, a.svc.Refuse(r.Context(), "auth.token", "", "", nil, err))
			return
		}
		next.ServeHTTP(w, r.WithContext(derbes.WithPrincipal(r.Context(), p)))
	})
}

// Healthz handles GET /healthz: the process is up.
func (a *API) Healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Readyz handles GET /readyz: the database answers.
func (a *API) Readyz(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.Ready(r.Context()); err != nil {
		a.log.WarnContext(r.Context(), "not ready", "err", err)
		return derbes.Errorf(derbes.EUnavailable, "database-unavailable", "the database does not answer")
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
