package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

// breachNext is the status an incident moves to from each status
// (R-OPS-3): open → authority notified → subjects notified → closed.
var breachNext = map[string]string{"open": "authority-notified", "authority-notified": "subjects-notified", "subjects-notified": "closed"}

type breachesData struct {
	Rows []breachRow
	Form *form // nil for a role that only reads the register (the auditor)
}

type breachRow struct {
	service.BreachView
	Next     string // the next status; "" when closed
	Category []string
}

// BreachesPage is the incident register (R-OPS-3): every incident with its
// deadline to notify the authorised body, the notice PDF, and for the
// responsible person and the administrator the form to record one and the
// button that moves each one on.
func (c *Console) BreachesPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.breaches.title")
	d, err := c.breachesData(p, r)
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "breaches", p)
}

func mayHandleBreaches(role derbes.Role) bool {
	return role.AllowsAny(derbes.ActApprove, "*") || role.AllowsAny(derbes.ActAdminister, "*")
}

func (c *Console) breachesData(p *page, r *http.Request) (*breachesData, error) {
	ctx := r.Context()
	list, err := c.svc.Breaches(ctx)
	if err != nil {
		return nil, err
	}
	role := derbes.PrincipalFrom(ctx).Role
	d := &breachesData{}
	for _, b := range list {
		row := breachRow{BreachView: b, Next: breachNext[b.Status]}
		for _, k := range b.Categories {
			if cat := c.svc.Catalogue().Category(k); cat != nil {
				row.Category = append(row.Category, p.In(cat.Label))
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if !mayHandleBreaches(role) {
		return d, nil
	}
	d.Form = &form{}
	at := d.Form.Add(htmlkit.NewField("detectedAt", p.T("console.breaches.detected"), "datetime-local"))
	at.Required, at.Value, at.Hint = true, time.Now().In(almaty).Format("2006-01-02T15:04"), p.T("console.breaches.detected_hint")
	desc := d.Form.Add(htmlkit.NewField("description", p.T("console.breaches.description"), "textarea"))
	desc.Required, desc.Hint = true, p.T("console.breaches.description_hint")
	personal := d.Form.Add(htmlkit.NewField("personal", p.T("console.breaches.personal"), "select"))
	personal.Required, personal.Value = true, "yes"
	personal.Options = []option{{Value: "yes", Label: p.T("console.breaches.personal_yes")}, {Value: "no", Label: p.T("console.breaches.personal_no")}}
	cats := d.Form.Add(htmlkit.NewField("categories", p.T("console.breaches.categories"), "select"))
	cats.Multiple = true
	for _, cat := range c.svc.Catalogue().Categories {
		cats.Options = append(cats.Options, option{Value: cat.Key, Label: p.In(cat.Label)})
	}
	subj := d.Form.Add(htmlkit.NewField("subjects", p.T("console.breaches.subjects"), "textarea"))
	subj.Hint = p.T("console.breaches.subjects_hint")
	meas := d.Form.Add(htmlkit.NewField("measures", p.T("console.breaches.measures"), "textarea"))
	meas.Hint = p.T("console.breaches.measures_hint")
	return d, nil
}

// RecordBreach registers an incident from the form.
func (c *Console) RecordBreach(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	p := c.page(w, r, "console.breaches.title")
	p.Here = "/console/breaches"
	d, err := c.breachesData(p, r)
	if err != nil {
		return err
	}
	if d.Form == nil {
		return c.svc.Refuse(ctx, "breach.record", "", "", nil, derbes.Forbidden("", "permission", "your role may not record incidents"))
	}
	f := r.PostForm
	in := service.NewBreach{Description: f.Get("description"), Measures: f.Get("measures"), Categories: f["categories"],
		Personal: f.Get("personal") != "no", Subjects: strings.Fields(f.Get("subjects"))}
	if at, perr := time.ParseInLocation("2006-01-02T15:04", f.Get("detectedAt"), almaty); perr == nil {
		in.DetectedAt = at
	}
	b, err := c.svc.RecordBreach(ctx, in)
	if err != nil {
		if !userError(err) {
			return err
		}
		d.Form.FillAll(f)
		c.place(p, d.Form, err)
		p.Data = d
		return c.render(w, formStatus(err), "breaches", p)
	}
	c.flash(w, r, "console.breaches.flash.recorded")
	htmlkit.Redirect(w, r, "/console/breaches#b-"+url.PathEscape(b.ID))
	return nil
}

// MoveBreach moves an incident to the status the button names.
func (c *Console) MoveBreach(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := c.svc.MoveBreach(r.Context(), id, r.PostForm.Get("status"), ""); err != nil {
		return err
	}
	c.flash(w, r, "console.breaches.flash.moved")
	htmlkit.Redirect(w, r, "/console/breaches#b-"+url.PathEscape(id))
	return nil
}

// BreachNotice sends the notice to the authorised body as a PDF in the
// page's language.
func (c *Console) BreachNotice(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.breaches.title")
	id := r.PathValue("id")
	doc, err := c.svc.BreachNotice(r.Context(), id, string(p.Lang))
	if err != nil {
		return err
	}
	return htmlkit.Download(w, "application/pdf", "derbes-breach-notice.pdf", doc)
}
