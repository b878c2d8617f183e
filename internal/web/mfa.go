package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/htmlkit"
)

type mfaData struct {
	Started bool
	QR      template.URL // a data: URL of the PNG, allowed by img-src data:
	URI     string
	Secret  string // the base32 secret in groups of four, for typing by hand
	Form    *form
	Codes   []string
	Next    string
}

// MFAPage explains the second factor and offers to set it up. Setting it
// up stores a new secret, so it is a POST (MFABegin), not this page.
func (c *Console) MFAPage(w http.ResponseWriter, r *http.Request) error {
	s := sessionFrom(r.Context())
	next := safeNext(r.URL.Query().Get("next"))
	if s.info.MFA {
		htmlkit.Redirect(w, r, next)
		return nil
	}
	p := c.page(w, r, "auth.enrol.title")
	p.Data = mfaData{Next: next}
	return c.render(w, http.StatusOK, "mfa", p)
}

// MFABegin generates the member's TOTP secret and shows it as a QR code
// and as text, with the field for the first code.
func (c *Console) MFABegin(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	s := sessionFrom(r.Context())
	en, err := c.svc.BeginTOTP(r.Context(), s.info.StaffID)
	if err != nil {
		return err
	}
	p := c.page(w, r, "auth.enrol.title")
	p.Here = "/console/mfa"
	p.Data = c.enrolment(p, en.URI, en.QR, safeNext(r.PostForm.Get("next")))
	return c.render(w, http.StatusOK, "mfa", p)
}

func (c *Console) enrolment(p *page, uri string, png []byte, next string) mfaData {
	f := &form{}
	code := f.Add(htmlkit.NewField("code", p.T("console.mfa.code"), "text"))
	code.Auto, code.Required, code.Hint = "one-time-code", true, p.T("auth.enrol.enter_code")
	return mfaData{Started: true, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		URI: uri, Secret: groupSecret(uri), Form: f, Next: next}
}

// groupSecret returns the secret of an otpauth URI in groups of four.
func groupSecret(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	sec := u.Query().Get("secret")
	var parts []string
	for len(sec) > 4 {
		parts = append(parts, sec[:4])
		sec = sec[4:]
	}
	return strings.Join(append(parts, sec), " ")
}

// MFAConfirm enables the second factor with the first code from the app,
// marks the session as having passed it, and shows the recovery codes,
// this once. A wrong code shows the same QR code again with the error.
func (c *Console) MFAConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	s := sessionFrom(r.Context())
	next := safeNext(r.PostForm.Get("next"))
	p := c.page(w, r, "auth.enrol.title")
	p.Here = "/console/mfa"
	codes, err := c.svc.ConfirmTOTP(r.Context(), s.info.StaffID, r.PostForm.Get("code"))
	if err != nil {
		if !userError(err) {
			return err
		}
		uri := r.PostForm.Get("uri")
		png, qerr := auth.QRPNG(uri)
		if derbes.RuleOf(err) != "code-wrong" || !strings.HasPrefix(uri, "otpauth://totp/") || qerr != nil {
			p.Error = c.errText(p.Lang, err)
			p.Data = mfaData{Next: next}
			return c.render(w, http.StatusConflict, "mfa", p)
		}
		d := c.enrolment(p, uri, png, next)
		c.place(p, d.Form, err)
		p.Data = d
		return c.render(w, http.StatusBadRequest, "mfa", p)
	}
	if err := c.svc.MarkSessionMFA(r.Context(), s.token); err != nil {
		return err
	}
	p.Title = p.T("auth.enrol.recovery_title")
	p.Data = mfaData{Codes: codes, Next: next}
	return c.render(w, http.StatusOK, "mfa_codes", p)
}
