package web

import (
	"net/http"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
)

type roleEditData struct {
	Name, Label string
	Form        *form
}

// RoleEditPage shows a role's permissions as "action purpose category"
// lines, for the responsible person to edit.
func (c *Console) RoleEditPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.roles.edit")
	d, err := c.roleEditData(p, r)
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "role_edit", p)
}

func (c *Console) roleEditData(p *page, r *http.Request) (*roleEditData, error) {
	if !derbes.PrincipalFrom(r.Context()).Role.AllowsAny(derbes.ActApprove, "*") {
		return nil, c.svc.Refuse(r.Context(), "role.edit", "", "", nil, derbes.Forbidden("", "permission", "only the responsible person edits roles"))
	}
	roles, err := c.svc.Roles(r.Context())
	if err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	d := &roleEditData{Name: name, Label: c.roleLabel(p, name), Form: &form{}}
	perms := d.Form.Add(htmlkit.NewField("permissions", p.T("roles.permissions"), "textarea"))
	perms.Hint = p.T("console.roles.format")
	found := false
	for _, rl := range roles {
		if rl.Name != name {
			continue
		}
		found = true
		var lines []string
		for _, pm := range rl.Permissions {
			lines = append(lines, permLine(pm))
		}
		perms.Value = strings.Join(lines, "\n")
	}
	if !found {
		return nil, derbes.NotFound("no such role")
	}
	return d, nil
}

// parsePermissions reads "action purpose category" lines; it names the
// first line that is not three words.
func parsePermissions(text string) ([]derbes.Permission, int) {
	var out []derbes.Permission
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, i + 1
		}
		out = append(out, derbes.Permission{Action: derbes.Action(f[0]), Purpose: f[1], Category: f[2]})
	}
	return out, 0
}

// PutRole replaces the role's permissions.
func (c *Console) PutRole(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	p := c.page(w, r, "console.roles.edit")
	d, err := c.roleEditData(p, r)
	if err != nil {
		return err
	}
	p.Here = "/console/roles/" + d.Name
	text := r.PostForm.Get("permissions")
	perms, bad := parsePermissions(text)
	if bad == 0 {
		err = c.svc.PutRole(r.Context(), derbes.Role{Name: d.Name, Permissions: perms})
	}
	if bad != 0 || err != nil {
		if err != nil && !userError(err) {
			return err
		}
		fl := d.Form.Get("permissions")
		fl.Value = text
		if bad != 0 {
			c.mark(p, fl, p.T("console.roles.bad_line", "line", bad))
		} else {
			c.place(p, d.Form, err)
		}
		p.Data = d
		return c.render(w, http.StatusBadRequest, "role_edit", p)
	}
	c.flash(w, r, "console.flash.role_saved")
	htmlkit.Redirect(w, r, "/console/roles")
	return nil
}
