// Package web is derbes's staff console: server-rendered HTML pages over
// the service, with their templates and stylesheet embedded in the binary.
//
// Every page works without JavaScript and under the strict Content Security
// Policy of internal/server (no inline script, no style attribute). Every
// state-changing form is a POST, which http.CrossOriginProtection guards;
// no GET changes state. Personal values never travel in URLs: searches and
// edits are POSTed, and GET query strings carry only ids, purposes and
// audit filters.
//
// A page is a HandlerFunc; Handle renders its error as a translated page,
// and RequireSession resolves the staff session first, confining a member
// who has no second factor yet, or has not acknowledged the current
// instructions, to the page that fixes it.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

//go:embed templates/*.html static/console.css
var assets embed.FS

// Cookie names and limits.
const (
	sessionCookie = "derbes_session"
	langCookie    = "derbes_lang"
	flashCookie   = "derbes_flash"
	flashPath     = "/console/"
	maxForm       = 64 << 10 // bytes of a form body
	home          = "/console/"
	signinPath    = "/console/signin"
)

// HandlerFunc is a console page: it writes its response or returns an
// error, which Handle renders as a translated page.
type HandlerFunc = func(w http.ResponseWriter, r *http.Request) error

// Console holds the console's dependencies.
type Console struct {
	svc   *service.Service
	log   *slog.Logger
	msgs  *i18n.Catalog
	pages map[string]*pageTemplate
	css   []byte
	// imports are the uploads being mapped and imported on this node.
	imports importJobs
}

// New returns the console over svc. Its error is a broken embedded
// template or message catalogue, which the tests rule out.
func New(svc *service.Service, log *slog.Logger) (*Console, error) {
	msgs, err := i18n.Default()
	if err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	css, err := assets.ReadFile("static/console.css")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return &Console{svc: svc, log: log, msgs: msgs, pages: pages, css: css}, nil
}

// session is the signed-in member of a request.
type session struct {
	token string
	info  *service.SessionInfo
	who   derbes.Principal
	me    *service.StaffView
}

type ctxKey struct{}

func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(ctxKey{}).(*session)
	return s
}

// Handle adapts h to http.Handler for a page that needs no session.
func (c *Console) Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.serve(h, w, r) })
}

// RequireSession adapts h to http.Handler for a page that needs a staff
// session: without one (or with an expired one) the browser is sent to the
// sign-in page, which comes back here afterwards. A restricted member
// reaches only the second-factor or instructions page, and sign-out.
func (c *Console) RequireSession(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, _ := r.Cookie(sessionCookie)
		if ck == nil || ck.Value == "" {
			// Every refusal is audited (R-AUDIT-1): here, a page asked for
			// without a session.
			c.svc.Refuse(r.Context(), "auth.session", "", "", nil, derbes.Errorf(derbes.EUnauthorized, "session-missing", "no session"))
			c.toSignIn(w, r, "")
			return
		}
		p, info, err := c.svc.Session(r.Context(), ck.Value)
		if err != nil {
			if derbes.CodeOf(err) != derbes.EUnauthorized {
				c.fail(w, r, err)
				return
			}
			c.svc.Refuse(r.Context(), "auth.session", "", "", nil, err)
			htmlkit.ClearCookie(w, r, sessionCookie, "/")
			c.toSignIn(w, r, derbes.RuleOf(err))
			return
		}
		if p.Restricted != "" && !allowedWhile(p.Restricted, r.URL.Path) {
			htmlkit.Redirect(w, r, restrictedPage(p.Restricted)+nextQuery(r))
			return
		}
		ctx := derbes.WithPrincipal(r.Context(), p)
		me, err := c.svc.StaffMember(ctx, info.StaffID)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		ctx = context.WithValue(ctx, ctxKey{}, &session{token: ck.Value, info: info, who: p, me: me})
		c.serve(h, w, r.WithContext(ctx))
	})
}

// restrictedPage is where a restricted member is sent.
func restrictedPage(reason string) string {
	if reason == "mfa" {
		return "/console/mfa"
	}
	return "/console/instructions"
}

// allowedWhile reports whether a member restricted for reason may reach
// path: the page that lifts the restriction, and sign-out.
func allowedWhile(reason, path string) bool {
	if path == "/console/signout" {
		return true
	}
	switch reason {
	case "mfa":
		return path == "/console/mfa" || strings.HasPrefix(path, "/console/mfa/")
	case "instructions":
		return path == "/console/instructions"
	}
	return false
}

// toSignIn sends the browser to the sign-in page; a GET comes back to the
// page it asked for.
func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request, rule string) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != home {
		q.Set("next", r.URL.RequestURI())
	}
	if rule == "session-expired" {
		q.Set("reason", "expired")
	}
	target := signinPath
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	htmlkit.Redirect(w, r, target)
}

// nextQuery is "?next=<this page>" for a GET, so that a detour (sign-in,
// second factor, instructions) can come back; a POST has no page to return to.
func nextQuery(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.Path == home {
		return ""
	}
	return "?next=" + url.QueryEscape(r.URL.RequestURI())
}

// safeNext returns next if it is a path of the console on this origin, else
// the dashboard: a redirect after sign-in must not lead off the site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") && next != "/console" {
		return home
	}
	if strings.ContainsAny(next, "\\\r\n\t") || strings.HasPrefix(next, "//") {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	return u.RequestURI()
}

// serve runs h and renders its error.
func (c *Console) serve(h HandlerFunc, w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		c.fail(w, r, err)
	}
}

// fail renders err as a page in the user's language. An error that is not
// a domain error is logged and shown as a generic one with the request id.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	if derbes.CodeOf(err) == derbes.EUnauthorized {
		c.toSignIn(w, r, derbes.RuleOf(err))
		return
	}
	status, title, unexpected := htmlkit.ErrorPage(err)
	if unexpected {
		c.log.ErrorContext(r.Context(), "console error", "method", r.Method, "route", r.Pattern, "err", err)
	}
	p := c.page(w, r, title)
	p.Data = htmlkit.ErrorData{Message: c.errText(p.Lang, err), RequestID: derbes.RequestIDFrom(r.Context())}
	if rerr := c.render(w, status, "error", p); rerr != nil {
		c.log.ErrorContext(r.Context(), "console error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// errText is err in the user's language: the message of its rule, else of
// its code. It never shows the error's own text, which is English.
func (c *Console) errText(l i18n.Lang, err error) string { return htmlkit.ErrText(c.msgs, l, err) }

// userError reports whether err is one a form shows to its user (bad
// input, a refusal, a conflict) rather than a failure of the page.
func userError(err error) bool {
	switch derbes.CodeOf(err) {
	case derbes.EInvalid, derbes.EForbidden, derbes.EConflict:
		return true
	}
	return false
}

// render executes page name into a buffer, so that a template error
// becomes an error page rather than half a page.
func (c *Console) render(w http.ResponseWriter, status int, name string, p *page) error {
	t, ok := c.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.execute(&buf, p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
	return nil
}

// CSS serves the console's stylesheet.
func (c *Console) CSS(w http.ResponseWriter, r *http.Request) error {
	return htmlkit.ServeCSS(w, c.css)
}

// NotFound answers a console path that no page serves.
func (c *Console) NotFound(w http.ResponseWriter, r *http.Request) error {
	return derbes.NotFound("no such page")
}
