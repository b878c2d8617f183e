package portal

import (
	"net/http"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
)

type requestData struct {
	Form      *form
	Kinds     []kindRow
	Authority authority
}

type kindRow struct {
	Kind, Label, Term string
}

// kinds lists the kinds of request with the term of the reply.
func (p *Portal) kindRows(l i18n.Lang) []kindRow {
	var out []kindRow
	for _, k := range p.kinds {
		out = append(out, kindRow{Kind: k.Kind, Label: k.Label.In(string(l)), Term: p.msgs.T(l, "portal.new.term", "count", k.Days)})
	}
	return out
}

func (p *Portal) requestForm(l i18n.Lang, kind string) *form {
	f := &form{}
	k := f.Add(htmlkit.NewField("kind", p.msgs.T(l, "portal.new.kind"), "select"))
	k.Required, k.Value = true, kind
	for _, x := range p.kindRows(l) {
		k.Options = append(k.Options, option{Value: x.Kind, Label: x.Label})
	}
	d := f.Add(htmlkit.NewField("details", p.msgs.T(l, "portal.new.details"), "textarea"))
	d.Hint = p.msgs.T(l, "portal.new.details_hint")
	k.Hint = p.msgs.T(l, "portal.new.kind_hint")
	return f
}

func (p *Portal) knownKind(kind string) bool {
	for _, k := range p.kinds {
		if k.Kind == kind {
			return true
		}
	}
	return false
}

// NewRequestPage offers the kinds of request; ?kind= preselects one.
func (p *Portal) NewRequestPage(w http.ResponseWriter, r *http.Request) error {
	pg := p.page(w, r, "portal.new_request")
	kind := r.URL.Query().Get("kind")
	if !p.knownKind(kind) {
		kind = "information"
	}
	pg.Data = requestData{Form: p.requestForm(pg.Lang, kind), Kinds: p.kindRows(pg.Lang), Authority: p.authority(pg.Lang)}
	return p.render(w, http.StatusOK, "request_new", pg)
}

// CreateRequest files the subject's request and shows its due date. A
// rectification must describe the new value, a complaint what happened.
func (p *Portal) CreateRequest(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	kind := r.PostForm.Get("kind")
	details := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("details"), "\r\n", "\n"))
	var err error
	switch {
	case !p.knownKind(kind):
		err = derbes.Invalid("kind", "enum-option", "not a kind of request")
	case details == "" && kind == "rectification":
		err = derbes.Invalid("details", "portal-rectification-value", "describe the new value")
	case details == "" && kind == "complaint":
		err = derbes.Invalid("details", "portal-complaint-text", "describe the complaint")
	}
	if err == nil {
		req, rerr := p.svc.PortalRequest(r.Context(), subjectFrom(r.Context()), kind, details)
		if rerr == nil {
			htmlkit.Flash(w, r, flashCookie, cookiePath, "portal.flash.request_sent|"+req.ID)
			htmlkit.Redirect(w, r, mePath)
			return nil
		}
		err = rerr
	}
	if c := derbes.CodeOf(err); c != derbes.EInvalid && c != derbes.EForbidden && c != derbes.EConflict {
		return err
	}
	pg := p.page(w, r, "portal.new_request")
	f := p.requestForm(pg.Lang, kind)
	f.Get("details").Value = details
	switch derbes.RuleOf(err) {
	case "portal-rectification-value":
		mark(pg, f.Get("details"), pg.T("portal.new.details_rectification"))
	case "portal-complaint-text":
		mark(pg, f.Get("details"), pg.T("portal.new.details_complaint"))
	default:
		p.place(pg, f, err, "")
	}
	pg.Data = requestData{Form: f, Kinds: p.kindRows(pg.Lang), Authority: p.authority(pg.Lang)}
	return p.render(w, htmlkit.Status(derbes.CodeOf(err)), "request_new", pg)
}
