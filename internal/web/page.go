package web

import (
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

// page is what the layout and every page template receive.
type page struct {
	Lang   i18n.Lang
	Title  string
	Me     *service.StaffView
	Nav    []navItem
	Coming []string
	Langs  []htmlkit.LangItem
	Here   string // where the language switcher comes back to (a GET page)
	Flash  string
	Error  string
	Issues []issue // the error summary: each field error, linked to its field
	Data   any
	msgs   *i18n.Catalog
}

type navItem struct {
	Label, Href string
	Current     bool
}

// T translates key into the page's language.
func (p *page) T(key string, args ...any) string { return p.msgs.T(p.Lang, key, args...) }

// Date formats t as the page's language writes dates.
func (p *page) Date(t time.Time) string { return i18n.FormatDate(p.Lang, t) }

// DateTime formats t with its time of day (Asia/Almaty).
func (p *page) DateTime(t time.Time) string { return i18n.FormatDateTime(p.Lang, t) }

// Short abbreviates a long id for a table ("staff:77851c06a128ab8f…" →
// "staff:77851c…"); the whole id goes in the element's title.
func (p *page) Short(id string) string {
	prefix, rest, ok := strings.Cut(id, ":")
	if !ok {
		prefix, rest = "", id
	} else {
		prefix += ":"
	}
	if len(rest) <= 12 {
		return id
	}
	return prefix + rest[:6] + "…"
}

// almaty is Kazakhstan's time zone (UTC+5, no daylight saving).
var almaty = time.FixedZone("Asia/Almaty", 5*3600)

// Stamp is a compact, language-neutral time for dense tables:
// "2026-11-25 13:39" in Asia/Almaty.
func (p *page) Stamp(t time.Time) string { return t.In(almaty).Format("2006-01-02 15:04") }

// Spaced puts a space after each comma of a list ("p4.1b,p4.2a"), so
// that it can wrap.
func (p *page) Spaced(list string) string { return strings.ReplaceAll(list, ",", ", ") }

// In returns a catalogue text in the page's language.
func (p *page) In(t derbes.Text) string { return t.In(string(p.Lang)) }

// lang is the request's language: the remembered choice, else the
// browser's preference, else Kazakh.
func (c *Console) lang(r *http.Request) i18n.Lang { return htmlkit.Lang(r, langCookie) }

// page starts the page of a request: language, signed-in member,
// navigation, and the flash message left by the previous request.
func (c *Console) page(w http.ResponseWriter, r *http.Request, titleKey string) *page {
	l := c.lang(r)
	p := &page{Lang: l, msgs: c.msgs, Title: c.msgs.T(l, titleKey), Here: home}
	if r.Method == http.MethodGet {
		p.Here = r.URL.RequestURI()
	}
	p.Langs = htmlkit.LangItems(c.msgs, l)
	if s := sessionFrom(r.Context()); s != nil {
		p.Me = s.me
		if s.who.Restricted == "" {
			p.Nav = c.nav(l, s.who.Role, r.URL.Path)
			for _, k := range comingPages {
				p.Coming = append(p.Coming, c.msgs.T(l, "nav."+k))
			}
		}
	}
	if key, ok := htmlkit.TakeFlash(w, r, flashCookie, flashPath); ok && flashKey(key) && c.msgs.Has(l, key) {
		p.Flash = c.msgs.T(l, key)
	}
	return p
}

// flashKey reports whether a flash cookie names a console message meant
// for it: "console.flash.*", or a page's "console.<page>.flash.*".
func flashKey(key string) bool {
	rest, ok := strings.CutPrefix(key, "console.")
	return ok && (strings.HasPrefix(rest, "flash.") || strings.Contains(rest, ".flash."))
}

// comingPages are the pages of later issues, shown greyed in the navigation.
var comingPages = []string{"backups"}

// nav is the one navigation of the console: the pages the role may use.
func (c *Console) nav(l i18n.Lang, role derbes.Role, path string) []navItem {
	can := func(acts ...derbes.Action) bool {
		for _, a := range acts {
			if role.AllowsAny(a, "*") {
				return true
			}
		}
		return false
	}
	items := []struct {
		key, href string
		show      bool
	}{
		{"nav.dashboard", home, true},
		{"nav.subjects", "/console/subjects", len(c.purposesFor(role, derbes.ActRead)) > 0},
		{"console.orders.title", "/console/orders", role.AllowsAny(derbes.ActRead, orderPurpose)},
		{"console.transfers.title", "/console/transfers", c.mayTransfer(role) || can(derbes.ActApprove)},
		{"console.recipients.nav", "/console/recipients", c.mayReadRegistry(role)},
		{"console.requests.title", "/console/requests", role.AllowsAny(derbes.ActRead, rightsPurpose)},
		{"nav.catalogue", "/console/catalogue", true},
		{"nav.staff", "/console/staff", can(derbes.ActAdminister, derbes.ActApprove)},
		{"nav.roles", "/console/roles", can(derbes.ActAdminister, derbes.ActApprove, derbes.ActAudit)},
		{"nav.audit", "/console/audit", can(derbes.ActAudit)},
		{"console.control.nav", "/console/reports/control", can(derbes.ActAudit)},
		{"console.breaches.title", "/console/breaches", can(derbes.ActApprove, derbes.ActAdminister, derbes.ActAudit)},
		{"nav.retention", "/console/retention", can(derbes.ActDestroy, derbes.ActAudit)},
		{"nav.statistics", "/console/statistics", true},
		{"console.import.title", "/console/import", role.AllowsAny(derbes.ActWrite, "*") && can(derbes.ActApprove)},
	}
	var out []navItem
	for _, it := range items {
		if !it.show {
			continue
		}
		cur := path == it.href || (it.href != home && strings.HasPrefix(path, it.href))
		out = append(out, navItem{Label: c.msgs.T(l, it.key), Href: it.href, Current: cur})
	}
	return out
}

// purposesFor lists the catalogue's purposes under which role may do a.
func (c *Console) purposesFor(role derbes.Role, a derbes.Action) []*derbes.Purpose {
	var out []*derbes.Purpose
	cat := c.svc.Catalogue()
	for i := range cat.Purposes {
		if role.AllowsAny(a, cat.Purposes[i].Code) {
			out = append(out, &cat.Purposes[i])
		}
	}
	return out
}

// flash leaves a message (a catalogue key) for the next page.
func (c *Console) flash(w http.ResponseWriter, r *http.Request, key string) {
	htmlkit.Flash(w, r, flashCookie, flashPath, key)
}

// pageTemplate is one page: the layout with the page's "content".
type pageTemplate struct {
	t *template.Template
}

func (pt *pageTemplate) execute(w io.Writer, p *page) error {
	return pt.t.ExecuteTemplate(w, "layout", p)
}

// parsePages parses each page template with the layout and the partials.
func parsePages() (map[string]*pageTemplate, error) {
	ts, err := htmlkit.ParsePages(assets)
	if err != nil {
		return nil, err
	}
	out := map[string]*pageTemplate{}
	for name, t := range ts {
		out[name] = &pageTemplate{t: t}
	}
	return out, nil
}
