package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

type catalogueData struct {
	Version    int
	Policy     string
	Categories []categoryRow
	Purposes   []purposeRow
}

type categoryRow struct {
	Key, Label, Type, Search string
	Masked                   bool
}

type purposeRow struct {
	Code, Title, Description, Basis, Law, Categories, Storage, Reference string
}

// CataloguePage shows the catalogue: what may be collected, for which
// purposes, on which basis, for how long. It holds no personal data.
func (c *Console) CataloguePage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "catalogue.title")
	cat := c.svc.Catalogue()
	d := &catalogueData{Version: cat.Version, Policy: cat.Policy}
	for _, k := range cat.Categories {
		d.Categories = append(d.Categories, categoryRow{Key: k.Key, Label: p.In(k.Label), Type: p.T("console.type." + string(k.Type)),
			Search: p.T("console.search." + string(k.Search)), Masked: k.Masked})
	}
	for _, pu := range cat.Purposes {
		var labels []string
		for _, key := range pu.Categories {
			if k := cat.Category(key); k != nil {
				labels = append(labels, p.In(k.Label))
			}
		}
		d.Purposes = append(d.Purposes, purposeRow{Code: pu.Code, Title: p.In(pu.Title), Description: p.In(pu.Description),
			Basis: c.basisText(p, pu.Basis), Law: pu.Basis.Law, Categories: strings.Join(labels, "; "),
			Storage:   storageText(p, pu.Storage),
			Reference: pu.Storage.Reference})
	}
	p.Data = d
	return c.render(w, http.StatusOK, "catalogue", p)
}

// storageText is a storage period in whole years when it is one.
func storageText(p *page, s derbes.StoragePeriod) string {
	from := p.T("console.from." + s.From)
	if s.Months >= 12 && s.Months%12 == 0 {
		return p.T("console.storage_years", "count", s.Months/12, "from", from)
	}
	return p.T("console.storage", "count", s.Months, "from", from)
}

func (c *Console) basisText(p *page, b derbes.LegalBasis) string {
	if b.Kind == derbes.BasisArt9 {
		return p.T("console.basis.art9", "n", b.Art9)
	}
	s := p.T("catalogue.basis.consent")
	if b.ConsentForm != "" {
		s += " (" + p.T("console.basis."+b.ConsentForm) + ")"
	}
	return s
}

type staffData struct {
	Staff []staffRow
	Form  *form
}

type staffRow struct {
	service.StaffView
	RoleLabel string
}

// StaffPage lists the staff accounts; an administrator also gets the form
// to create one.
func (c *Console) StaffPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "staff.title")
	d, err := c.staffData(p, r)
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "staff", p)
}

func (c *Console) staffData(p *page, r *http.Request) (*staffData, error) {
	ctx := r.Context()
	list, err := c.svc.Staff(ctx)
	if err != nil {
		return nil, err
	}
	d := &staffData{}
	for _, s := range list {
		d.Staff = append(d.Staff, staffRow{StaffView: s, RoleLabel: c.roleLabel(p, s.Role)})
	}
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*") {
		return d, nil
	}
	roles, err := c.svc.Roles(ctx)
	if err != nil {
		return nil, err
	}
	d.Form = &form{}
	name := d.Form.Add(htmlkit.NewField("name", p.T("staff.name"), "text"))
	name.Required, name.Auto = true, "off"
	login := d.Form.Add(htmlkit.NewField("login", p.T("console.signin.email"), "email"))
	login.Required, login.Auto = true, "off"
	role := d.Form.Add(htmlkit.NewField("role", p.T("staff.role"), "select"))
	role.Required = true
	for _, rl := range roles {
		role.Options = append(role.Options, option{Value: rl.Name, Label: c.roleLabel(p, rl.Name)})
	}
	pw := d.Form.Add(htmlkit.NewField("password", p.T("auth.password"), "password"))
	pw.Required, pw.Auto, pw.Hint = true, "new-password", p.T("console.staff.password_hint")
	return d, nil
}

func (c *Console) roleLabel(p *page, name string) string {
	if c.msgs.Has(p.Lang, "roles.role."+name) {
		return p.T("roles.role." + name)
	}
	return name
}

// CreateStaff creates a staff account (administrators).
func (c *Console) CreateStaff(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	p := c.page(w, r, "staff.title")
	p.Here = "/console/staff"
	d, err := c.staffData(p, r)
	if err != nil {
		return err
	}
	get := r.PostForm.Get
	_, err = c.svc.CreateStaff(r.Context(), service.NewStaff{Name: strings.TrimSpace(get("name")), Login: get("login"),
		Role: get("role"), Password: get("password")})
	if err != nil {
		if !userError(err) || d.Form == nil {
			return err
		}
		d.Form.Fill(get)
		c.place(p, d.Form, err)
		p.Data = d
		return c.render(w, http.StatusBadRequest, "staff", p)
	}
	c.flash(w, r, "console.flash.staff_created")
	htmlkit.Redirect(w, r, "/console/staff")
	return nil
}

type rolesData struct {
	Roles   []roleRow
	CanEdit bool
}

type roleRow struct {
	Name, Label, Href string
	Permissions       []string
}

// RolesPage lists the roles and their permissions.
func (c *Console) RolesPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "roles.title")
	roles, err := c.svc.Roles(r.Context())
	if err != nil {
		return err
	}
	d := &rolesData{CanEdit: derbes.PrincipalFrom(r.Context()).Role.AllowsAny(derbes.ActApprove, "*")}
	for _, rl := range roles {
		row := roleRow{Name: rl.Name, Label: c.roleLabel(p, rl.Name), Href: "/console/roles/" + url.PathEscape(rl.Name)}
		for _, pm := range rl.Permissions {
			row.Permissions = append(row.Permissions, permLine(pm))
		}
		d.Roles = append(d.Roles, row)
	}
	p.Data = d
	return c.render(w, http.StatusOK, "roles", p)
}

func permLine(pm derbes.Permission) string {
	return fmt.Sprintf("%s %s %s", pm.Action, pm.Purpose, pm.Category)
}
