package portal

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
)

// page is what the layout and every page template receive.
type page struct {
	Lang     i18n.Lang
	Title    string
	SignedIn bool
	Langs    []htmlkit.LangItem
	Here     string // where the language switcher comes back to (a GET page)
	Flash    string
	Error    string
	Issues   []issue // the error summary: each field error, linked to its field
	Data     any
	msgs     *i18n.Catalog
}

// T translates key into the page's language.
func (pg *page) T(key string, args ...any) string { return pg.msgs.T(pg.Lang, key, args...) }

// Date formats t as the page's language writes dates.
func (pg *page) Date(t time.Time) string { return i18n.FormatDate(pg.Lang, t) }

// In returns a catalogue text in the page's language.
func (pg *page) In(t derbes.Text) string { return t.In(string(pg.Lang)) }

// lang is the request's language: the remembered choice, else the
// browser's preference, else Kazakh.
func (p *Portal) lang(r *http.Request) i18n.Lang { return htmlkit.Lang(r, langCookie) }

// page starts the page of a request: language, whether signed in, and the
// flash message left by the previous request.
func (p *Portal) page(w http.ResponseWriter, r *http.Request, titleKey string) *page {
	l := p.lang(r)
	pg := &page{Lang: l, msgs: p.msgs, Title: p.msgs.T(l, titleKey), Here: safeNext(r.URL.Path), SignedIn: subjectFrom(r.Context()) != "",
		Langs: htmlkit.LangItems(p.msgs, l)}
	if v, ok := htmlkit.TakeFlash(w, r, flashCookie, cookiePath); ok {
		if key, _, _ := strings.Cut(v, "|"); strings.HasPrefix(key, "portal.flash.") {
			pg.Flash = p.msgs.T(l, key)
		}
	}
	return pg
}

// safeNext returns next if it is a page of the portal, else the sign-in
// page: the language switch must not lead off the site.
func safeNext(next string) string {
	switch {
	case next == signinPath, next == mePath, next == "/portal/requests/new", next == "/portal/code":
		return next
	case next == applyPath, slices.Contains(applySteps, strings.TrimPrefix(next, applyPath+"/")), next == applyPath+"/code", next == applyPath+"/data",
		next == applyPath+"/services", next == applyPath+"/done":
		return next
	case strings.HasPrefix(next, "/portal/consents/") && strings.HasSuffix(next, "/withdraw") &&
		!strings.ContainsAny(next, "\\\r\n\t?#") && strings.Count(next, "/") == 4:
		return next
	}
	return signinPath
}

// authority is the body that takes complaints, in the page's language.
type authority struct {
	Name, Contact string
}

func (p *Portal) authority(l i18n.Lang) authority {
	a := authority{Name: p.cfg.Authority.Name.In(string(l)), Contact: p.cfg.Authority.Contact.In(string(l))}
	if a.Name == "" {
		a.Name = p.msgs.T(l, "portal.authority.name")
	}
	if a.Contact == "" {
		a.Contact = p.msgs.T(l, "portal.authority.contact")
	}
	return a
}

// SetLanguage remembers the chosen language and returns to the page.
func (p *Portal) SetLanguage(w http.ResponseWriter, r *http.Request) error {
	return htmlkit.SetLanguage(w, r, maxForm, langCookie, safeNext)
}
