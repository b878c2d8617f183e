package web

import (
	"net"
	"net/http"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
)

type signinData struct {
	Form *form
	Next string
}

// signinForm is the sign-in form: the login is the member's e-mail; the
// code is the authenticator's, or a recovery code.
func (c *Console) signinForm(l i18n.Lang) *form {
	f := &form{}
	login := f.Add(htmlkit.NewField("login", c.msgs.T(l, "console.signin.email"), "email"))
	login.Auto, login.Required = "username", true
	pw := f.Add(htmlkit.NewField("password", c.msgs.T(l, "auth.password"), "password"))
	pw.Auto, pw.Required = "current-password", true
	code := f.Add(htmlkit.NewField("code", c.msgs.T(l, "auth.totp_code"), "text"))
	code.Auto, code.Hint = "one-time-code", c.msgs.T(l, "console.signin.code_hint")
	return f
}

// SignInPage shows the sign-in form.
func (c *Console) SignInPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "auth.signin_title")
	switch r.URL.Query().Get("reason") {
	case "expired":
		p.Error = p.T("auth.error.session_expired")
	case "signedout":
		p.Flash = p.T("auth.signed_out")
	}
	p.Data = signinData{Form: c.signinForm(p.Lang), Next: safeNext(r.URL.Query().Get("next"))}
	return c.render(w, http.StatusOK, "signin", p)
}

// SignIn checks the credentials and opens a session. Every wrong
// credential gets the same message; a locked account is told so.
func (c *Console) SignIn(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	next := safeNext(r.PostForm.Get("next"))
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	tok, err := c.svc.SignIn(r.Context(), r.PostForm.Get("login"), r.PostForm.Get("password"), r.PostForm.Get("code"), host)
	if err != nil {
		if derbes.CodeOf(err) == derbes.EInternal {
			return err
		}
		p := c.page(w, r, "auth.signin_title")
		p.Here = signinPath
		f := c.signinForm(p.Lang)
		f.Get("login").Value = r.PostForm.Get("login")
		status := http.StatusUnauthorized
		switch derbes.RuleOf(err) {
		case "account-locked":
			p.Error = p.T("auth.error.locked")
		case "signin-rate-limit":
			p.Error, status = p.T("errors.too-many"), http.StatusTooManyRequests
		default:
			p.Error = p.T("auth.error.bad_credentials")
		}
		p.Data = signinData{Form: f, Next: next}
		return c.render(w, status, "signin", p)
	}
	// A session cookie: no Max-Age, so it ends with the browser; the
	// service ends it sooner on idleness. Secure: see htmlkit.SecureRequest.
	htmlkit.SetCookie(w, r, sessionCookie, tok, "/", 0)
	htmlkit.Redirect(w, r, next)
	return nil
}

// SignOut ends the session.
func (c *Console) SignOut(w http.ResponseWriter, r *http.Request) error {
	s := sessionFrom(r.Context())
	if err := c.svc.SignOut(r.Context(), s.token); err != nil {
		return err
	}
	htmlkit.ClearCookie(w, r, sessionCookie, "/")
	htmlkit.Redirect(w, r, signinPath+"?reason=signedout")
	return nil
}

// SetLanguage remembers the chosen language and returns to the page.
func (c *Console) SetLanguage(w http.ResponseWriter, r *http.Request) error {
	return htmlkit.SetLanguage(w, r, maxForm, langCookie, safeNext)
}
