// Package portal is derbes's subject portal (R-RIGHTS-1, R-RIGHTS-2): the
// public pages where a data subject signs in with a one-time code sent to
// their verified e-mail or phone, sees everything derbes holds about them
// (values with sources and dates, purposes with their periods, consents,
// transfers, requests), withdraws a consent, downloads it all as JSON and
// PDF free of charge, and files requests.
//
// Like the staff console (internal/web), every page is server-rendered
// from templates embedded in the binary and works without JavaScript under
// the strict Content Security Policy of internal/server: no inline script,
// no style attribute. Every state change is a POST, guarded by
// http.CrossOriginProtection; no GET changes state.
//
// Every page acts on the session's subject only: the subject comes from
// the "derbes_portal" session cookie through Service.PortalSubject, never
// from the URL or a form. The only ids a portal URL carries are those of
// the subject's own consents, which the service checks belong to them.
//
// Sign-in never reveals whether an address is known: the answer to an
// address, known or not, is the same page ("if this address is known to
// us, a code was sent to it"), and a wrong code for an unknown address
// reads as a wrong code. The challenge being answered travels in a
// short-lived cookie, not in the URL.
package portal

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

//go:embed templates/*.html static/portal.css
var assets embed.FS

// Cookie names, paths and limits.
const (
	// SessionCookie holds the portal session token: HttpOnly,
	// SameSite=Strict, Secure over TLS, limited to /portal.
	SessionCookie   = "derbes_portal"
	challengeCookie = "derbes_portal_challenge"
	flashCookie     = "derbes_portal_flash"
	langCookie      = "derbes_lang" // shared with the console: one choice of language per browser
	cookiePath      = "/portal"
	maxForm         = 32 << 10 // bytes of a form body
	signinPath      = "/portal"
	mePath          = "/portal/me"
)

// HandlerFunc is a portal page: it writes its response or returns an
// error, which Handle renders as a translated page.
type HandlerFunc = func(w http.ResponseWriter, r *http.Request) error

// Config is what an operator may set about the portal.
type Config struct {
	// Authority is the authorised body for the protection of personal data
	// subjects' rights, to which a subject may complain (P-6.2.1e): its
	// name and contacts, in each language. When empty, the texts
	// portal.authority.name and portal.authority.contact of the message
	// catalogue are shown.
	Authority Authority
}

// Authority names the body that takes subjects' complaints.
type Authority struct {
	Name    derbes.Text
	Contact derbes.Text
}

// Portal holds the portal's dependencies.
type Portal struct {
	svc   *service.Service
	log   *slog.Logger
	msgs  *i18n.Catalog
	cfg   Config
	kinds []service.RequestKind
	pages map[string]*template.Template
	css   []byte
	// Per-client-address allowances for asking codes and entering them.
	begins, guesses *addrLimit
}

// New returns the portal over svc. Its error is a broken embedded template,
// message catalogue or request-kind table, which the tests rule out.
func New(svc *service.Service, log *slog.Logger, cfg Config) (*Portal, error) {
	msgs, err := i18n.Default()
	if err != nil {
		return nil, err
	}
	kinds, err := service.RequestKinds()
	if err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	css, err := assets.ReadFile("static/portal.css")
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	return &Portal{svc: svc, log: log, msgs: msgs, cfg: cfg, kinds: kinds, pages: pages, css: css,
		begins:  newAddrLimit(beginsPerAddress, addressWindow, time.Now),
		guesses: newAddrLimit(guessesPerAddress, addressWindow, time.Now)}, nil
}

type ctxKey struct{}

// subjectFrom is the signed-in subject of a request.
func subjectFrom(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}

// Handle adapts h to http.Handler for a page that needs no session.
func (p *Portal) Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serve(h, w, r) })
}

// RequireSession adapts h to http.Handler for a page of a signed-in
// subject: the session cookie is resolved to its subject, which is all h
// may act on. Without a valid session the browser goes to the sign-in
// page; the refusal is audited.
func (p *Portal) RequireSession(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, _ := r.Cookie(SessionCookie)
		if ck == nil || ck.Value == "" {
			p.svc.Refuse(r.Context(), "portal.session", "", "rights", nil,
				derbes.Errorf(derbes.EUnauthorized, "session-missing", "no portal session"))
			htmlkit.Redirect(w, r, signinPath)
			return
		}
		subject, err := p.svc.PortalSubject(r.Context(), ck.Value)
		if err != nil {
			if derbes.CodeOf(err) != derbes.EUnauthorized {
				p.fail(w, r, err)
				return
			}
			p.svc.Refuse(r.Context(), "portal.session", "", "rights", nil, err)
			htmlkit.ClearCookie(w, r, SessionCookie, cookiePath)
			target := signinPath
			if derbes.RuleOf(err) == "session-expired" {
				target += "?reason=expired"
			}
			htmlkit.Redirect(w, r, target)
			return
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, subject)
		p.serve(h, w, r.WithContext(ctx))
	})
}

// serve runs h and renders its error.
func (p *Portal) serve(h HandlerFunc, w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		p.fail(w, r, err)
	}
}

// fail renders err as a page in the subject's language. An error that is
// not a domain error is logged and shown as a generic one with the
// request id.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	if derbes.CodeOf(err) == derbes.EUnauthorized {
		htmlkit.ClearCookie(w, r, SessionCookie, cookiePath)
		htmlkit.Redirect(w, r, signinPath)
		return
	}
	status, title, unexpected := htmlkit.ErrorPage(err)
	if unexpected {
		p.log.ErrorContext(r.Context(), "portal error", "method", r.Method, "route", r.Pattern, "err", err)
	}
	pg := p.page(w, r, title)
	pg.Data = htmlkit.ErrorData{Message: p.errText(pg.Lang, err), RequestID: derbes.RequestIDFrom(r.Context())}
	if rerr := p.render(w, status, "error", pg); rerr != nil {
		p.log.ErrorContext(r.Context(), "portal error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// errText is err in the subject's language: the message of its rule, else
// of its code; never the error's own (English) text.
func (p *Portal) errText(l i18n.Lang, err error) string { return htmlkit.ErrText(p.msgs, l, err) }

// render executes page name into a buffer, so that a template error
// becomes an error page rather than half a page.
func (p *Portal) render(w http.ResponseWriter, status int, name string, pg *page) error {
	t, ok := p.pages[name]
	if !ok {
		return fmt.Errorf("portal: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		return fmt.Errorf("portal: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
	return nil
}

// parsePages parses each page template with the layout and the partials.
func parsePages() (map[string]*template.Template, error) { return htmlkit.ParsePages(assets) }

// CSS serves the portal's stylesheet.
func (p *Portal) CSS(w http.ResponseWriter, r *http.Request) error {
	return htmlkit.ServeCSS(w, p.css)
}

// NotFound answers a portal path that no page serves.
func (p *Portal) NotFound(w http.ResponseWriter, r *http.Request) error {
	return derbes.NotFound("no such page")
}
