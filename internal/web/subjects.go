package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

// searchCategories are the categories the search form offers.
var searchCategories = []string{"iin", "passport_number", "phone", "email", "full_name"}

type searchData struct {
	Form      *form
	Searched  bool
	Results   []resultRow
	CanSearch bool
	CanCreate bool
}

type resultRow struct {
	ID, Href, Name, Kind, Citizenship string
	Created                           time.Time
}

func (c *Console) searchForm(p *page, role derbes.Role) *form {
	f := &form{}
	pf := f.Add(htmlkit.NewField("purpose", p.T("subjects.purpose"), "select"))
	pf.Options, pf.Required, pf.Hint = c.purposeOptions(p, c.purposesFor(role, derbes.ActRead)), true, p.T("subjects.purpose_hint")
	cf := f.Add(htmlkit.NewField("category", p.T("subjects.search_by"), "select"))
	for _, k := range searchCategories {
		if cat := c.svc.Catalogue().Category(k); cat != nil {
			cf.Options = append(cf.Options, option{Value: k, Label: p.In(cat.Label)})
		}
	}
	v := f.Add(htmlkit.NewField("value", p.T("subjects.value"), "text"))
	v.Required, v.Auto = true, "off"
	return f
}

// purposeOptions lists purposes as "code — title".
func (c *Console) purposeOptions(p *page, ps []*derbes.Purpose) []option {
	out := make([]option, 0, len(ps))
	for _, pu := range ps {
		out = append(out, option{Value: pu.Code, Label: pu.Code + " — " + p.In(pu.Title)})
	}
	return out
}

// SubjectsPage shows the search form.
func (c *Console) SubjectsPage(w http.ResponseWriter, r *http.Request) error {
	role := derbes.PrincipalFrom(r.Context()).Role
	p := c.page(w, r, "subjects.title")
	p.Data = c.searchData(p, role)
	return c.render(w, http.StatusOK, "subjects", p)
}

func (c *Console) searchData(p *page, role derbes.Role) *searchData {
	return &searchData{Form: c.searchForm(p, role), CanSearch: len(c.purposesFor(role, derbes.ActRead)) > 0,
		CanCreate: len(c.purposesFor(role, derbes.ActWrite)) > 0}
}

// Search finds subjects by the exact value of a searchable category. The
// value is POSTed, so it never appears in a URL or an access log.
func (c *Console) Search(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	p := c.page(w, r, "subjects.title")
	p.Here = "/console/subjects"
	d := c.searchData(p, derbes.PrincipalFrom(ctx).Role)
	d.Form.Fill(r.PostForm.Get)
	purpose := r.PostForm.Get("purpose")
	found, err := c.svc.Search(ctx, purpose, r.PostForm.Get("category"), r.PostForm.Get("value"))
	if err != nil {
		if !userError(err) {
			return err
		}
		c.place(p, d.Form, err)
		p.Data = d
		return c.render(w, http.StatusBadRequest, "subjects", p)
	}
	d.Searched = true
	for _, v := range found {
		name, _ := v.Values["full_name"].Value.(string)
		d.Results = append(d.Results, resultRow{ID: v.ID, Href: subjectHref(v.ID, purpose), Name: name,
			Kind: c.kindLabel(p, c.svc.Catalogue().SubjectKinds, v.Kind), Created: v.CreatedAt,
			Citizenship: c.kindLabel(p, c.svc.Catalogue().Citizenships, v.Citizenship)})
	}
	p.Data = d
	return c.render(w, http.StatusOK, "subjects", p)
}

// subjectHref is the subject's page under purpose.
func subjectHref(id, purpose string) string {
	h := "/console/subjects/" + url.PathEscape(id)
	if purpose != "" {
		h += "?purpose=" + url.QueryEscape(purpose)
	}
	return h
}

func (c *Console) kindLabel(p *page, ks []derbes.Kind, key string) string {
	for _, k := range ks {
		if k.Key == key {
			return p.In(k.Label)
		}
	}
	return key
}

type subjectData struct {
	ID         string
	Purpose    *derbes.Purpose
	Switch     *form
	View       *service.SubjectView
	Kind       string
	Rows       []valueRow
	Problem    string
	Edit       *form
	Consents   []consentRow
	ConsentErr string
	Orders     *ordersData   // under P-4.1b, for the members who read orders
	Register   *registerData // who received what (R-TRANSFER-3)
	Transfer   string        // the page preparing a transfer, when the member may
}

type valueRow struct {
	Label, Value, Source, CollectedFor, EnteredBy string
	Masked                                        bool
	Version                                       int
	At                                            time.Time
}

// SubjectPage shows what the member may see of a subject under the chosen
// purpose, its consents, and the form to edit its values.
func (c *Console) SubjectPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.subject.title")
	d, err := c.loadSubject(p, r, r.PathValue("id"), r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	p.Data = d
	status := http.StatusOK
	if d.View == nil && d.Problem != "" {
		status = http.StatusForbidden // the page offers other purposes; the read was refused
	}
	return c.render(w, status, "subject", p)
}

// loadSubject reads the subject under purpose (when one is chosen) and its
// consents. A refusal under the purpose (no basis, no permission) is shown
// on the page, which still offers the other purposes.
func (c *Console) loadSubject(p *page, r *http.Request, id, purpose string) (*subjectData, error) {
	ctx := r.Context()
	role := derbes.PrincipalFrom(ctx).Role
	d := &subjectData{ID: id, Purpose: c.svc.Catalogue().Purpose(purpose), Switch: &form{}}
	sw := d.Switch.Add(htmlkit.NewField("purpose", p.T("subjects.purpose"), "select"))
	sw.Options, sw.Value = c.purposeOptions(p, c.purposesFor(role, derbes.ActRead)), purpose
	if purpose == "" {
		sw.Options = append([]option{{Value: "", Label: p.T("subjects.choose_purpose")}}, sw.Options...)
	} else {
		v, err := c.svc.Subject(ctx, id, purpose)
		switch {
		case err == nil:
			d.View, d.Kind = v, c.kindLabel(p, c.svc.Catalogue().SubjectKinds, v.Kind)
			d.Rows = c.valueRows(p, v)
		case derbes.CodeOf(err) == derbes.ENotFound || !userError(err):
			return nil, err
		default:
			d.Problem = c.errText(p.Lang, err)
		}
	}
	_, consents, err := c.svc.ConsentHistory(ctx, id)
	switch {
	case err == nil:
		d.Consents = c.consentRows(p, role, id, purpose, consents)
	case derbes.CodeOf(err) == derbes.ENotFound || !userError(err):
		return nil, err
	default:
		d.ConsentErr = c.errText(p.Lang, err)
	}
	if d.View != nil && d.Purpose != nil {
		d.Edit = c.editForm(p, role, d.Purpose, d.View, consents)
		if err := c.loadTransfers(p, r, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// loadTransfers adds the subject's orders (under P-4.1b), the register of
// what was sent to whom, and the link to prepare a transfer.
func (c *Console) loadTransfers(p *page, r *http.Request, d *subjectData) error {
	role := derbes.PrincipalFrom(r.Context()).Role
	g, err := c.registry(r.Context())
	if err != nil {
		return err
	}
	if d.Purpose.Code == orderPurpose {
		if d.Orders, err = c.ordersData(p, r, d.ID, g); err != nil {
			return err
		}
	}
	if d.Register, err = c.registerData(p, r, d.ID, g, d.Purpose.Code); err != nil {
		return err
	}
	if c.mayTransfer(role) {
		d.Transfer = transferHref(d.ID, "", "", d.Purpose.Code)
	}
	return nil
}

// valueRows lists the values in catalogue order.
func (c *Console) valueRows(p *page, v *service.SubjectView) []valueRow {
	var out []valueRow
	for _, cat := range c.svc.Catalogue().Categories {
		vv, ok := v.Values[cat.Key]
		if !ok {
			continue
		}
		src := p.T("console.source." + string(vv.Source.Kind))
		if vv.Source.Ref != "" {
			src += ": " + vv.Source.Ref
		}
		out = append(out, valueRow{Label: p.In(cat.Label), Value: plainOf(vv.Value), Masked: vv.Masked, Source: src,
			CollectedFor: vv.CollectedFor, EnteredBy: vv.EnteredBy, Version: vv.Version, At: vv.At})
	}
	return out
}
