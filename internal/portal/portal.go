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
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/derbes-kz/derbes"
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
	return &Portal{svc: svc, log: log, msgs: msgs, cfg: cfg, kinds: kinds, pages: pages, css: css}, nil
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
			redirect(w, r, signinPath)
			return
		}
		subject, err := p.svc.PortalSubject(r.Context(), ck.Value)
		if err != nil {
			if derbes.CodeOf(err) != derbes.EUnauthorized {
				p.fail(w, r, err)
				return
			}
			p.svc.Refuse(r.Context(), "portal.session", "", "rights", nil, err)
			p.clearCookie(w, r, SessionCookie)
			target := signinPath
			if derbes.RuleOf(err) == "session-expired" {
				target += "?reason=expired"
			}
			redirect(w, r, target)
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

// statusOf maps error codes to HTTP statuses for pages.
var statusOf = map[derbes.ErrorCode]int{
	derbes.EInvalid:     http.StatusBadRequest,
	derbes.ENotFound:    http.StatusNotFound,
	derbes.EForbidden:   http.StatusForbidden,
	derbes.EConflict:    http.StatusConflict,
	derbes.ETooLarge:    http.StatusRequestEntityTooLarge,
	derbes.ETooMany:     http.StatusTooManyRequests,
	derbes.EUnavailable: http.StatusServiceUnavailable,
}

// fail renders err as a page in the subject's language. An error that is
// not a domain error is logged and shown as a generic one with the
// request id.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := derbes.CodeOf(err)
	if code == derbes.EUnauthorized {
		p.clearCookie(w, r, SessionCookie)
		redirect(w, r, signinPath)
		return
	}
	status := statusOf[code]
	if status == 0 || code == derbes.EInternal {
		if !errors.Is(err, context.Canceled) {
			p.log.ErrorContext(r.Context(), "portal error", "method", r.Method, "route", r.Pattern, "err", err)
		}
		status = http.StatusInternalServerError
	}
	title := map[int]string{http.StatusNotFound: "common.not_found", http.StatusForbidden: "common.forbidden"}[status]
	if title == "" {
		title = "common.error_title"
	}
	pg := p.page(w, r, title)
	pg.Data = errorData{Message: p.errText(pg.Lang, err), RequestID: derbes.RequestIDFrom(r.Context())}
	if rerr := p.render(w, status, "error", pg); rerr != nil {
		p.log.ErrorContext(r.Context(), "portal error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

type errorData struct {
	Message   string
	RequestID string
}

// errText is err in the subject's language: the message of its rule, else
// of its code; never the error's own (English) text.
func (p *Portal) errText(l i18n.Lang, err error) string {
	e := derbes.AsError(err)
	if e == nil || e.Code == derbes.EInternal {
		return p.msgs.T(l, "errors.internal")
	}
	if e.Rule != "" && p.msgs.Has(l, "errors."+e.Rule) {
		return p.msgs.T(l, "errors."+e.Rule)
	}
	if p.msgs.Has(l, "errors."+string(e.Code)) {
		return p.msgs.T(l, "errors."+string(e.Code))
	}
	return p.msgs.T(l, "errors.invalid")
}

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
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	base, err := template.New("").ParseFS(assets, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// parseForm reads a POSTed form, bounded in size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return &derbes.Error{Code: derbes.ETooLarge, Rule: "too-large", Message: "the form is too large or malformed"}
	}
	return nil
}

func redirect(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// secureRequest reports whether the browser reached derbes over HTTPS,
// directly or through a TLS-terminating proxy that says so. Cookies are
// Secure then (see the console's secureRequest for why not always).
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setCookie sets a portal cookie: HttpOnly, SameSite=Strict, Secure over
// TLS, sent only to /portal. maxAge 0 makes a browser-session cookie.
func (p *Portal) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true,
		Secure: secureRequest(r), SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

func (p *Portal) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	p.setCookie(w, r, name, "", -1)
}

// flash leaves a message for the next page: a catalogue key, optionally
// with one argument after a "|" (a request id, looked up among the
// subject's own requests).
func (p *Portal) flash(w http.ResponseWriter, r *http.Request, value string) {
	p.setCookie(w, r, flashCookie, value, 60)
}

// CSS serves the portal's stylesheet.
func (p *Portal) CSS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(p.css)
	return err
}

// NotFound answers a portal path that no page serves.
func (p *Portal) NotFound(w http.ResponseWriter, r *http.Request) error {
	return derbes.NotFound("no such page")
}
