package portal

import (
	"net/http"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
)

type withdrawData struct {
	Consent consentRow
}

// ownLiveConsent finds the consent of the URL among the session subject's
// own consents in force; any other id is not found.
func (p *Portal) ownLiveConsent(r *http.Request, pg *page) (*consentRow, error) {
	d, err := p.myData(r)
	if err != nil {
		return nil, err
	}
	v := p.view(r.Context(), pg.Lang, d)
	id := r.PathValue("consentId")
	for i := range v.Consents {
		if c := &v.Consents[i]; c.ID == id && c.Live {
			return c, nil
		}
	}
	return nil, &derbes.Error{Code: derbes.ENotFound, Rule: "consent-not-live", Message: "no consent of yours in force with this id"}
}

// WithdrawPage asks the subject to confirm the withdrawal of one of their
// consents: a page of its own, so that nothing happens by a slip.
func (p *Portal) WithdrawPage(w http.ResponseWriter, r *http.Request) error {
	pg := p.page(w, r, "portal.consents.withdraw_title")
	c, err := p.ownLiveConsent(r, pg)
	if err != nil {
		return err
	}
	pg.Data = withdrawData{Consent: *c}
	return p.render(w, http.StatusOK, "withdraw", pg)
}

// Withdraw withdraws the consent once confirmed.
func (p *Portal) Withdraw(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	pg := p.page(w, r, "portal.consents.withdraw_title")
	c, err := p.ownLiveConsent(r, pg)
	if err != nil {
		return err
	}
	if _, err := p.svc.PortalWithdraw(r.Context(), subjectFrom(r.Context()), c.ID); err != nil {
		switch derbes.CodeOf(err) {
		case derbes.EInvalid, derbes.EForbidden, derbes.EConflict:
			pg.Error = p.errText(pg.Lang, err)
			pg.Data = withdrawData{Consent: *c}
			return p.render(w, htmlkit.Status(derbes.CodeOf(err)), "withdraw", pg)
		}
		return err
	}
	htmlkit.Flash(w, r, flashCookie, cookiePath, "portal.flash.withdrawn")
	htmlkit.Redirect(w, r, mePath+"#consents")
	return nil
}
