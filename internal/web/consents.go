package web

import (
	"net/http"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
)

type withdrawData struct {
	SubjectID string
	Consent   derbes.Consent
	Purposes  []string // "code — title"
	Purpose   string   // the purpose the subject page was opened under
	Back      string
	Form      *form
}

// WithdrawPage asks to confirm the withdrawal of a consent: a separate
// page, so that no script is needed and nothing happens by accident.
func (c *Console) WithdrawPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "consents.withdraw")
	d, err := c.withdrawData(p, r, r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "withdraw", p)
}

func (c *Console) withdrawData(p *page, r *http.Request, purpose string) (*withdrawData, error) {
	id, cid := r.PathValue("id"), r.PathValue("consentId")
	_, ks, err := c.svc.ConsentHistory(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &withdrawData{SubjectID: id, Purpose: purpose, Back: subjectHref(id, purpose), Form: &form{}}
	found := false
	for _, k := range ks {
		if k.ID == cid && k.Live(c.svc.Now()) {
			d.Consent, found = k, true
		}
	}
	if !found {
		return nil, &derbes.Error{Code: derbes.ENotFound, Rule: "consent-not-live", Message: "no live consent with this id"}
	}
	for _, code := range d.Consent.Purposes {
		label := code
		if pu := c.svc.Catalogue().Purpose(code); pu != nil {
			label += " — " + p.In(pu.Title)
		}
		d.Purposes = append(d.Purposes, label)
	}
	reason := d.Form.Add(htmlkit.NewField("reason", p.T("console.withdraw.reason"), "textarea"))
	reason.Hint = p.T("console.withdraw.reason_hint")
	return d, nil
}

// Withdraw withdraws the consent once confirmed.
func (c *Console) Withdraw(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	purpose := r.PostForm.Get("purpose")
	p := c.page(w, r, "consents.withdraw")
	d, err := c.withdrawData(p, r, purpose)
	if err != nil {
		return err
	}
	p.Here = d.Back
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if _, err := c.svc.WithdrawConsent(r.Context(), d.SubjectID, d.Consent.ID, reason); err != nil {
		if !userError(err) {
			return err
		}
		d.Form.Fill(r.PostForm.Get)
		c.place(p, d.Form, err)
		p.Data = d
		return c.render(w, http.StatusBadRequest, "withdraw", p)
	}
	c.flash(w, r, "console.flash.withdrawn")
	htmlkit.Redirect(w, r, d.Back)
	return nil
}
