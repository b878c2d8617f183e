package portal

import (
	"net/http"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

type signinData struct {
	Form *form
}

// addressForm asks for the e-mail or phone number a code goes to.
func (p *Portal) addressForm(l i18n.Lang) *form {
	f := &form{}
	a := f.Add(htmlkit.NewField("address", p.msgs.T(l, "portal.signin.address"), "text"))
	a.Required, a.Auto, a.Hint = true, "username", p.msgs.T(l, "portal.signin.address_hint")
	return f
}

// SignInPage asks for the address; a subject already signed in goes to
// their data.
func (p *Portal) SignInPage(w http.ResponseWriter, r *http.Request) error {
	if ck, _ := r.Cookie(SessionCookie); ck != nil && ck.Value != "" {
		if _, err := p.svc.PortalSubject(r.Context(), ck.Value); err == nil {
			htmlkit.Redirect(w, r, mePath)
			return nil
		}
	}
	pg := p.page(w, r, "portal.signin.title")
	switch r.URL.Query().Get("reason") {
	case "expired":
		pg.Error = pg.T("portal.signin.expired")
	case "signedout":
		pg.Flash = pg.T("portal.signin.signed_out")
	}
	pg.Data = signinData{Form: p.addressForm(pg.Lang)}
	return p.render(w, http.StatusOK, "signin", pg)
}

// Begin sends a one-time code to the address if it is a subject's. The
// answer is the code page whether or not the address is known; only a
// malformed address or too many codes to one address are told.
func (p *Portal) Begin(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	l := p.lang(r)
	address := strings.TrimSpace(r.PostForm.Get("address"))
	var ch *service.Challenge
	var err error
	switch {
	case address == "":
		err = derbes.Invalid("address", "required", "enter an e-mail address or a phone number")
	case !p.begins.allow(clientKey(r)):
		err = p.svc.Refuse(r.Context(), "portal.begin", "", "rights", nil, tooManyFromAddress())
	default:
		ch, err = p.svc.PortalBegin(r.Context(), address, string(l))
	}
	if err != nil {
		status := htmlkit.Status(derbes.CodeOf(err))
		if status == 0 || status >= 500 {
			return err
		}
		pg := p.page(w, r, "portal.signin.title")
		pg.Here = signinPath
		f := p.addressForm(pg.Lang)
		f.Get("address").Value = address
		if derbes.CodeOf(err) == derbes.ETooMany {
			pg.Error = p.errText(pg.Lang, err)
		} else {
			p.place(pg, f, err, "address")
		}
		pg.Data = signinData{Form: f}
		return p.render(w, status, "signin", pg)
	}
	maxAge := int(time.Until(ch.ExpiresAt).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	htmlkit.SetCookie(w, r, challengeCookie, ch.ID+"|"+ch.Channel, cookiePath, maxAge)
	htmlkit.Redirect(w, r, "/portal/code")
	return nil
}

// tooManyFromAddress refuses a client address past its sign-in allowance.
func tooManyFromAddress() error {
	return derbes.Errorf(derbes.ETooMany, "address-rate-limit", "too many sign-in attempts from this network address; try again later")
}

type codeData struct {
	Form    *form
	Channel string // email or sms: from the address's form, not from whether it is known
	Minutes int
}

// challenge is the sign-in in progress: its id and channel, from the cookie.
func challenge(r *http.Request) (id, channel string, ok bool) {
	ck, err := r.Cookie(challengeCookie)
	if err != nil || ck.Value == "" {
		return "", "", false
	}
	id, channel, _ = strings.Cut(ck.Value, "|")
	return id, channel, id != ""
}

func (p *Portal) codeForm(l i18n.Lang) *form {
	f := &form{}
	c := f.Add(htmlkit.NewField("code", p.msgs.T(l, "portal.code"), "text"))
	c.Required, c.Auto, c.InputMode, c.Hint = true, "one-time-code", "numeric", p.msgs.T(l, "portal.code.hint")
	return f
}

func (p *Portal) codeData(l i18n.Lang, channel string, f *form) codeData {
	if channel != "sms" {
		channel = "email"
	}
	return codeData{Form: f, Channel: channel, Minutes: int(service.CodeTTL.Minutes())}
}

// CodePage asks for the code: the same page whatever the address was.
func (p *Portal) CodePage(w http.ResponseWriter, r *http.Request) error {
	_, channel, ok := challenge(r)
	if !ok {
		htmlkit.Redirect(w, r, signinPath)
		return nil
	}
	pg := p.page(w, r, "portal.code.title")
	pg.Data = p.codeData(pg.Lang, channel, p.codeForm(pg.Lang))
	return p.render(w, http.StatusOK, "code", pg)
}

// Verify checks the code and opens the session. A wrong code, an expired
// one and one sent to an unknown address read alike; the 6th wrong code
// locks the address for a while.
func (p *Portal) Verify(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id, channel, ok := challenge(r)
	if !ok {
		htmlkit.Redirect(w, r, signinPath)
		return nil
	}
	code := strings.Join(strings.Fields(r.PostForm.Get("code")), "")
	var tok string
	var err error
	switch {
	case code == "":
		err = derbes.Invalid("code", "code-required", "enter the code")
	case !p.guesses.allow(clientKey(r)):
		err = p.svc.Refuse(r.Context(), "portal.verify", "", "rights", nil, tooManyFromAddress())
	default:
		tok, err = p.svc.PortalVerify(r.Context(), id, code)
	}
	if err != nil {
		status := htmlkit.Status(derbes.CodeOf(err))
		if status == 0 || status >= 500 {
			return err
		}
		pg := p.page(w, r, "portal.code.title")
		pg.Here = "/portal/code"
		f := p.codeForm(pg.Lang)
		switch derbes.CodeOf(err) {
		case derbes.EInvalid:
			p.place(pg, f, err, "code")
		default: // locked, used: nothing to fix in the field
			pg.Error = p.errText(pg.Lang, err)
			if derbes.RuleOf(err) == "code-locked" {
				pg.Error = pg.T("portal.code.locked", "count", int(service.CodeFailWindow.Minutes()))
			}
		}
		pg.Data = p.codeData(pg.Lang, channel, f)
		return p.render(w, status, "code", pg)
	}
	htmlkit.ClearCookie(w, r, challengeCookie, cookiePath)
	// A browser-session cookie; the service ends the session sooner.
	htmlkit.SetCookie(w, r, SessionCookie, tok, cookiePath, 0)
	htmlkit.Redirect(w, r, mePath)
	return nil
}

// SignOut ends the session on the server and forgets it in the browser.
func (p *Portal) SignOut(w http.ResponseWriter, r *http.Request) error {
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		if err := p.svc.PortalSignOut(r.Context(), ck.Value); err != nil {
			return err
		}
	}
	htmlkit.ClearCookie(w, r, SessionCookie, cookiePath)
	htmlkit.Redirect(w, r, signinPath+"?reason=signedout")
	return nil
}
