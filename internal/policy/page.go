package policy

import (
	_ "embed"
	"errors"
	"html/template"
	"io"
	"net/url"
	"strconv"
)

//go:embed page.html
var pageHTML string

// CSS is the page's stylesheet, served at CSSPath: the Content-Security-Policy
// (default-src 'self') allows no inline style.
//
//go:embed policy.css
var CSS []byte

// CSSPath is where the page links its stylesheet.
const CSSPath = "/static/policy.css"

// PagePath is where the public policy page is served.
const PagePath = "/policy"

var page = template.Must(template.New("policy").Parse(pageHTML))

// labels are the page's own words in each language.
type labels struct {
	Title, Operator, Language, Version, Effective, Summary, History string
	Current, Upcoming, Superseded, SeeCurrent                       string
}

var pageLabels = map[string]labels{
	"kk": {Title: "Дербес деректерді өңдеу саясаты", Operator: "Оператор", Language: "Тіл", Version: "Нұсқа",
		Effective: "Күшіне енген күні", Summary: "Өзгерістер", History: "Нұсқалар тарихы",
		Current: "қолданыстағы", Upcoming: "әлі күшіне енбеген", Superseded: "күшін жойған нұсқа;", SeeCurrent: "қолданыстағы нұсқа"},
	"ru": {Title: "Политика обработки персональных данных", Operator: "Оператор", Language: "Язык", Version: "Редакция",
		Effective: "Вступает в силу", Summary: "Изменения", History: "История редакций",
		Current: "действующая", Upcoming: "ещё не вступила в силу", Superseded: "утратившая силу редакция;", SeeCurrent: "действующая редакция"},
	"en": {Title: "Personal data processing policy", Operator: "Operator", Language: "Language", Version: "Version",
		Effective: "Effective", Summary: "Changes", History: "Version history",
		Current: "current", Upcoming: "not yet in force", Superseded: "superseded version;", SeeCurrent: "the current version"},
}

var languageNames = map[string]string{"kk": "Қазақша", "ru": "Русский", "en": "English"}

type langLink struct {
	Code, Name string
	Href       string
	Active     bool
}

type historyRow struct {
	Number            int
	Effective         string
	Summary           string
	Href              string
	Current, Upcoming bool
	Shown             bool
}

type pageData struct {
	Lang, Operator string
	L              labels
	Langs          []langLink
	Shown          Version
	Body           template.HTML
	IsCurrent      bool
	IsUpcoming     bool
	CurrentHref    string
	History        []historyRow
}

// PageInput is what the public page shows.
type PageInput struct {
	Lang     string    // kk, ru or en (see Lang)
	Operator string    // the operator's name
	Versions []Version // every published version, ascending
	Number   int       // the version to show; 0 for the one in force
	Today    string    // YYYY-MM-DD in Kazakhstan (see Today)
}

// ErrNoVersion is returned by WritePage for a version number that was
// never published.
var ErrNoVersion = errors.New("policy: no such version")

// WritePage writes the public policy page: the shown version's text in
// the language, a language switcher, the version history with each
// version's effective date and summary, and the operator's name.
func WritePage(w io.Writer, in PageInput) error {
	if len(in.Versions) == 0 {
		return ErrNoVersion
	}
	lang := in.Lang
	if _, ok := pageLabels[lang]; !ok {
		lang = "kk"
	}
	cur := Current(in.Versions, in.Today)
	shown := cur
	if in.Number != 0 {
		shown = -1
		for i := range in.Versions {
			if in.Versions[i].Number == in.Number {
				shown = i
			}
		}
		if shown < 0 {
			return ErrNoVersion
		}
	}
	href := func(lang string, number int) string {
		q := url.Values{"lang": {lang}}
		if number != 0 {
			q.Set("version", strconv.Itoa(number))
		}
		return PagePath + "?" + q.Encode()
	}
	v := in.Versions[shown]
	d := pageData{Lang: lang, Operator: in.Operator, L: pageLabels[lang], Shown: v, Body: Render(v.Texts[lang]),
		IsCurrent: shown == cur, IsUpcoming: v.Effective > in.Today, CurrentHref: href(lang, 0)}
	for _, l := range Languages {
		d.Langs = append(d.Langs, langLink{Code: l, Name: languageNames[l], Href: href(l, in.Number), Active: l == lang})
	}
	for i, h := range in.Versions {
		d.History = append(d.History, historyRow{Number: h.Number, Effective: h.Effective, Summary: h.Summary[lang],
			Href: href(lang, h.Number), Current: i == cur, Upcoming: h.Effective > in.Today, Shown: i == shown})
	}
	return page.Execute(w, d)
}
