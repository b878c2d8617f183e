package web

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

// sourceKinds are the provenances staff may record for a value.
var sourceKinds = []derbes.SourceKind{derbes.SourceStaff, derbes.SourceSubject, derbes.SourceThirdParty}

// inputType is the HTML control of a category's type.
func inputType(t derbes.ValueType) string {
	switch t {
	case derbes.TypeEmail:
		return "email"
	case derbes.TypePhone:
		return "tel"
	case derbes.TypeDate:
		return "date"
	case derbes.TypeEnum:
		return "select"
	case derbes.TypeKV:
		return "textarea"
	}
	return "text"
}

// valueField is the control for one category's value.
func (c *Console) valueField(p *page, cat *derbes.Category) *field {
	f := htmlkit.NewField("values."+cat.Key, p.In(cat.Label), inputType(cat.Type))
	f.Auto = "off"
	if cat.Type == derbes.TypeEnum {
		f.Options = []option{{Value: "", Label: "—"}}
		for _, o := range cat.Options {
			f.Options = append(f.Options, option{Value: o.Key, Label: p.In(o.Label)})
		}
	}
	if cat.Type == derbes.TypeKV {
		f.Hint = p.T("console.kv_hint")
	}
	return f
}

// editable lists the categories of purpose pu whose values the member may
// write for a subject with these consents (files are uploaded elsewhere).
func (c *Console) editable(role derbes.Role, pu *derbes.Purpose, consents []derbes.Consent) []*derbes.Category {
	covered := derbes.CoveredCategories(pu, consents, c.svc.Now())
	var out []*derbes.Category
	for _, key := range pu.Categories {
		cat := c.svc.Catalogue().Category(key)
		if cat == nil || cat.Type == derbes.TypeFile || !slices.Contains(covered, key) || !role.Allows(derbes.ActWrite, pu.Code, key) {
			continue
		}
		out = append(out, cat)
	}
	return out
}

// editForm is the form to record new values under pu, filled with the
// current ones (a masked value is left empty: typing one replaces it).
func (c *Console) editForm(p *page, role derbes.Role, pu *derbes.Purpose, v *service.SubjectView, consents []derbes.Consent) *form {
	cats := c.editable(role, pu, consents)
	if len(cats) == 0 {
		return nil
	}
	f := &form{}
	for _, cat := range cats {
		fl := f.Add(c.valueField(p, cat))
		if vv, ok := v.Values[cat.Key]; ok {
			if vv.Masked {
				fl.Hint = p.T("console.subject.masked_hint")
			} else {
				fl.Value = plainOf(vv.Value)
			}
		}
	}
	c.addSource(p, f)
	return f
}

// addSource adds the provenance controls to a form.
func (c *Console) addSource(p *page, f *form) {
	sk := f.Add(htmlkit.NewField("source.kind", p.T("subjects.source"), "select"))
	for _, k := range sourceKinds {
		sk.Options = append(sk.Options, option{Value: string(k), Label: p.T("console.source." + string(k))})
	}
	ref := f.Add(htmlkit.NewField("source.ref", p.T("console.source_ref"), "text"))
	ref.Hint = p.T("console.source_ref_hint")
}

// plainOf renders a shown value: a string, or "other information" as
// "key: value" lines in key order.
func plainOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]string:
		var lines []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			lines = append(lines, k+": "+x[k])
		}
		return strings.Join(lines, "\n")
	}
	return ""
}

// valueJSON turns a submitted control's text into the JSON value the
// service takes: a string, or for "other information" an object.
func valueJSON(cat *derbes.Category, field, s string) (json.RawMessage, error) {
	if cat.Type != derbes.TypeKV {
		return json.Marshal(s)
	}
	m := map[string]string{}
	for line := range strings.SplitSeq(strings.ReplaceAll(s, "\r", ""), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, derbes.Invalid(field, "kv-line", "each line is key: value")
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return json.Marshal(m)
}

// changed collects the values of f that differ from the subject's current
// ones; an empty control means "no change".
func (c *Console) changed(f *form, v *service.SubjectView, get func(string) string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, fl := range f.Fields {
		key, ok := strings.CutPrefix(fl.Name, "values.")
		// A browser sends a textarea's lines with CRLF.
		s := strings.TrimSpace(strings.ReplaceAll(get(fl.Name), "\r\n", "\n"))
		if !ok || s == "" {
			continue
		}
		if cur, have := v.Values[key]; have && !cur.Masked && s == strings.TrimSpace(plainOf(cur.Value)) {
			continue
		}
		raw, err := valueJSON(c.svc.Catalogue().Category(key), fl.Name, s)
		if err != nil {
			return nil, err
		}
		out[key] = raw
	}
	return out, nil
}

func sourceOf(get func(string) string) derbes.Source {
	return derbes.Source{Kind: derbes.SourceKind(get("source.kind")), Ref: strings.TrimSpace(get("source.ref"))}
}

// SubjectEdit records new versions of the values that changed. A refused
// value is shown next to its control, the form filled as it was sent.
func (c *Console) SubjectEdit(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id, purpose := r.PathValue("id"), r.PostForm.Get("purpose")
	p := c.page(w, r, "console.subject.title")
	p.Here = subjectHref(id, purpose)
	d, err := c.loadSubject(p, r, id, purpose)
	if err != nil {
		return err
	}
	if d.Edit == nil {
		return derbes.Forbidden("purpose", "permission", "nothing to edit under this purpose")
	}
	vals, err := c.changed(d.Edit, d.View, r.PostForm.Get)
	if err == nil && len(vals) == 0 {
		c.flash(w, r, "console.flash.no_changes")
		htmlkit.Redirect(w, r, subjectHref(id, purpose))
		return nil
	}
	if err == nil {
		_, err = c.svc.UpdateSubject(r.Context(), id, service.SubjectUpdate{Purpose: purpose, Values: vals, Source: sourceOf(r.PostForm.Get)})
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		d.Edit.Fill(r.PostForm.Get)
		c.place(p, d.Edit, err)
		p.Data = d
		return c.render(w, http.StatusBadRequest, "subject", p)
	}
	c.flash(w, r, "console.flash.saved")
	htmlkit.Redirect(w, r, subjectHref(id, purpose)+"#values")
	return nil
}

// consentRow is one consent on the subject page.
type consentRow struct {
	ID, Purposes, Form, Status, Withdraw string
	Live                                 bool
	Consent                              derbes.Consent
}

func (c *Console) consentRows(p *page, role derbes.Role, id, purpose string, ks []derbes.Consent) []consentRow {
	now := c.svc.Now()
	var out []consentRow
	for i := len(ks) - 1; i >= 0; i-- {
		k := ks[i]
		row := consentRow{ID: k.ID, Purposes: strings.Join(k.Purposes, ", "), Form: p.T("console.form." + string(k.Form)),
			Live: k.Live(now), Consent: k}
		switch {
		case row.Live:
			row.Status = p.T("consents.live")
		case k.WithdrawnAt != nil:
			row.Status = p.T("consents.withdrawn")
		default:
			row.Status = p.T("console.consent.ended")
		}
		if row.Live && allWritable(role, k.Purposes) {
			row.Withdraw = "/console/subjects/" + url.PathEscape(id) + "/consents/" + url.PathEscape(k.ID) + "/withdraw"
			if purpose != "" {
				row.Withdraw += "?purpose=" + url.QueryEscape(purpose)
			}
		}
		out = append(out, row)
	}
	return out
}

func allWritable(role derbes.Role, purposes []string) bool {
	for _, pu := range purposes {
		if !role.AllowsAny(derbes.ActWrite, pu) {
			return false
		}
	}
	return true
}
