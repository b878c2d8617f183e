package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

type createData struct {
	Choose   *form // step 1: the purpose (a GET form)
	Purpose  *derbes.Purpose
	Form     *form // step 2: the subject, its consent and values
	Consent  *checks
	Values   *form
	Empty    bool
	Problems bool
}

// consentForms are the forms of consent staff record on paper.
var consentForms = []derbes.ConsentForm{derbes.FormContract, derbes.FormDocument}

// NewSubjectPage shows the form to create a subject: first the purpose of
// collection, then the subject's kind, the consent and the values the
// purpose uses.
func (c *Console) NewSubjectPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "subjects.create")
	p.Data = c.createData(p, derbes.PrincipalFrom(r.Context()).Role, r.URL.Query().Get("purpose"))
	return c.render(w, http.StatusOK, "subject_new", p)
}

func (c *Console) createData(p *page, role derbes.Role, purpose string) *createData {
	writable := c.purposesFor(role, derbes.ActWrite)
	d := &createData{Choose: &form{}, Empty: len(writable) == 0}
	ch := d.Choose.Add(htmlkit.NewField("purpose", p.T("subjects.purpose"), "select"))
	ch.Options, ch.Value, ch.Required = c.purposeOptions(p, writable), purpose, true
	for _, pu := range writable {
		if pu.Code == purpose {
			d.Purpose = pu
		}
	}
	if d.Purpose == nil {
		return d
	}
	cat := c.svc.Catalogue()
	d.Form = &form{}
	kind := d.Form.Add(htmlkit.NewField("kind", p.T("console.kind"), "select"))
	kind.Required, kind.Value = true, "applicant"
	for _, k := range cat.SubjectKinds {
		kind.Options = append(kind.Options, option{Value: k.Key, Label: p.In(k.Label)})
	}
	cz := d.Form.Add(htmlkit.NewField("citizenship", p.T("console.citizenship"), "select"))
	cz.Required, cz.Value = true, "kz-citizen"
	for _, k := range cat.Citizenships {
		cz.Options = append(cz.Options, option{Value: k.Key, Label: p.In(k.Label)})
	}
	cf := d.Form.Add(htmlkit.NewField("consent.form", p.T("consents.form"), "select"))
	for _, f := range consentForms {
		cf.Options = append(cf.Options, option{Value: string(f), Label: p.T("console.form." + string(f))})
	}
	d.Consent = &checks{Name: "consent.purposes", ID: fieldID("consent.purposes"), Label: p.T("console.consent_purposes"),
		Hint: p.T("console.consent_purposes_hint")}
	for _, pu := range writable {
		if pu.Basis.Kind == derbes.BasisConsent {
			d.Consent.Options = append(d.Consent.Options, option{Value: pu.Code, Label: pu.Code + " — " + p.In(pu.Title)})
		}
	}
	if d.Purpose.Basis.Kind == derbes.BasisConsent {
		d.Consent.Values = []string{d.Purpose.Code}
	}
	d.Values = &form{}
	for _, key := range d.Purpose.Categories {
		if cc := cat.Category(key); cc != nil && cc.Type != derbes.TypeFile && role.Allows(derbes.ActWrite, d.Purpose.Code, key) {
			d.Values.Add(c.valueField(p, cc))
		}
	}
	c.addSource(p, d.Values)
	d.Values.Get("source.kind").Value = string(derbes.SourceSubject)
	return d
}

// CreateSubject creates the subject with its consent and values.
func (c *Console) CreateSubject(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	purpose := r.PostForm.Get("purpose")
	p := c.page(w, r, "subjects.create")
	p.Here = "/console/subjects/new?purpose=" + purpose
	d := c.createData(p, derbes.PrincipalFrom(ctx).Role, purpose)
	if d.Purpose == nil {
		return derbes.Forbidden("purpose", "permission", "your role may not collect data under this purpose")
	}
	in, err := c.newSubject(p, d, r.PostForm.Get)
	in.Consent.Purposes = r.PostForm["consent.purposes"]
	if len(in.Consent.Purposes) == 0 {
		in.Consent = nil
	}
	var v *service.SubjectView
	if err == nil {
		v, err = c.svc.CreateSubject(ctx, in)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		d.Form.Fill(r.PostForm.Get)
		d.Values.Fill(r.PostForm.Get)
		d.Consent.Values = r.PostForm["consent.purposes"]
		c.placeCreate(p, d, err)
		p.Data = d
		return c.render(w, http.StatusBadRequest, "subject_new", p)
	}
	c.flash(w, r, "console.flash.created")
	htmlkit.Redirect(w, r, subjectHref(v.ID, purpose))
	return nil
}

// newSubject builds the request from the form: the non-empty values only.
func (c *Console) newSubject(p *page, d *createData, get func(string) string) (service.NewSubject, error) {
	in := service.NewSubject{Kind: get("kind"), Citizenship: get("citizenship"), Purpose: d.Purpose.Code,
		Values: map[string]json.RawMessage{}, Source: sourceOf(get),
		Consent: &service.NewConsent{Form: derbes.ConsentForm(get("consent.form")), Language: string(p.Lang)}}
	for _, fl := range d.Values.Fields {
		key, ok := strings.CutPrefix(fl.Name, "values.")
		s := strings.TrimSpace(get(fl.Name))
		if !ok || s == "" {
			continue
		}
		raw, err := valueJSON(c.svc.Catalogue().Category(key), fl.Name, s)
		if err != nil {
			return in, err
		}
		in.Values[key] = raw
	}
	return in, nil
}

// placeCreate shows a create error next to its control: the subject's,
// the consent's or a value's.
func (c *Console) placeCreate(p *page, d *createData, err error) {
	e := derbes.AsError(err)
	switch {
	case e != nil && strings.HasPrefix(e.Field, "consent.") && e.Field != "consent.form":
		d.Consent.Err = c.errText(p.Lang, err)
		p.Issues = append(p.Issues, issue{ID: d.Consent.ID, Label: d.Consent.Label, Message: d.Consent.Err})
	case e != nil && d.Form.Get(e.Field) != nil:
		c.place(p, d.Form, err)
	default:
		c.place(p, d.Values, err)
	}
}
