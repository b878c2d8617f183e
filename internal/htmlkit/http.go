package htmlkit

import (
	"context"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/ident"
)

// SecureRequest reports whether the browser reached derbes over HTTPS,
// directly or through a TLS-terminating proxy that says so
// (X-Forwarded-Proto). Cookies are marked Secure only then: in production
// derbes runs behind HTTPS and its cookies are Secure, while on plain
// http://127.0.0.1 (development, the browser tests) a Secure cookie would
// not be sent back and nobody could sign in.
func SecureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// SetCookie sets a cookie: HttpOnly, SameSite=Strict, Secure over TLS,
// sent only to path. maxAge 0 makes a browser-session cookie.
func SetCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true,
		Secure: SecureRequest(r), SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

// ClearCookie removes the cookie SetCookie set.
func ClearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	SetCookie(w, r, name, "", path, -1)
}

// Flash leaves a message for the next page, in a cookie that lives a
// minute.
func Flash(w http.ResponseWriter, r *http.Request, cookie, path, value string) {
	SetCookie(w, r, cookie, value, path, 60)
}

// TakeFlash returns the flash message left by the previous request, and
// clears it; ok is false when there is none.
func TakeFlash(w http.ResponseWriter, r *http.Request, cookie, path string) (value string, ok bool) {
	ck, err := r.Cookie(cookie)
	if err != nil {
		return "", false
	}
	ClearCookie(w, r, cookie, path)
	return ck.Value, true
}

// Redirect sends the browser to target with 303 See Other.
func Redirect(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// ParseForm reads a POSTed form, bounded to maxBytes.
func ParseForm(w http.ResponseWriter, r *http.Request, maxBytes int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	if err := r.ParseForm(); err != nil {
		return &derbes.Error{Code: derbes.ETooLarge, Rule: "too-large", Message: "the form is too large or malformed"}
	}
	return nil
}

// Lang is the request's language: the one remembered in the cookie, else
// the browser's preference, else Kazakh.
func Lang(r *http.Request, cookie string) i18n.Lang {
	v := ""
	if ck, err := r.Cookie(cookie); err == nil {
		v = ck.Value
	}
	return i18n.Negotiate(v, r.Header.Get("Accept-Language"))
}

// LangItem is one language of the language switcher.
type LangItem struct {
	Code, Name string
	Current    bool
}

// LangItems is the language switcher of a page in language l.
func LangItems(msgs *i18n.Catalog, l i18n.Lang) []LangItem {
	var out []LangItem
	for _, x := range i18n.Langs {
		out = append(out, LangItem{Code: string(x), Name: msgs.T(x, "lang."+string(x)), Current: x == l})
	}
	return out
}

// SetLanguage remembers the language chosen in the POSTed form (field
// "lang") for a year, in a cookie for the whole site (one choice of
// language per browser), and returns to safeNext of the form's "next".
func SetLanguage(w http.ResponseWriter, r *http.Request, maxForm int64, cookie string, safeNext func(string) string) error {
	if err := ParseForm(w, r, maxForm); err != nil {
		return err
	}
	if l, ok := i18n.ParseLang(r.PostForm.Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: cookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: SecureRequest(r), SameSite: http.SameSiteLaxMode})
	}
	Redirect(w, r, safeNext(r.PostForm.Get("next")))
	return nil
}

// statusOf maps error codes to HTTP statuses for pages.
var statusOf = map[derbes.ErrorCode]int{
	derbes.EInvalid:     http.StatusBadRequest,
	derbes.ENotFound:    http.StatusNotFound,
	derbes.EForbidden:   http.StatusForbidden,
	derbes.EConflict:    http.StatusConflict,
	derbes.ETooLarge:    http.StatusRequestEntityTooLarge,
	derbes.ETooMany:     http.StatusTooManyRequests,
	derbes.EUnavailable: http.StatusServiceUnavailable,
}

// Status is the HTTP status of a page that fails with an error of code,
// or 0 for a code that has none (an internal error).
func Status(code derbes.ErrorCode) int { return statusOf[code] }

// ErrorPage is how a page shows err: its HTTP status and the catalogue
// key of its title. unexpected reports an error that is not a domain one
// (or is an internal one), which the caller logs, unless the request was
// merely cancelled.
func ErrorPage(err error) (status int, titleKey string, unexpected bool) {
	code := derbes.CodeOf(err)
	status = statusOf[code]
	if status == 0 || code == derbes.EInternal {
		unexpected = !errors.Is(err, context.Canceled)
		status = http.StatusInternalServerError
	}
	switch status {
	case http.StatusNotFound:
		titleKey = "common.not_found"
	case http.StatusForbidden:
		titleKey = "common.forbidden"
	default:
		titleKey = "common.error_title"
	}
	return status, titleKey, unexpected
}

// ErrorData is what the error page shows.
type ErrorData struct {
	Message   string
	RequestID string
}

// ErrText is err in language l: the message of its rule, else of its
// code. It never shows the error's own text, which is English.
func ErrText(msgs *i18n.Catalog, l i18n.Lang, err error) string {
	e := derbes.AsError(err)
	if e == nil || e.Code == derbes.EInternal {
		return msgs.T(l, "errors.internal")
	}
	if e.Rule != "" && msgs.Has(l, "errors."+e.Rule) {
		return msgs.T(l, "errors."+e.Rule)
	}
	if msgs.Has(l, "errors."+string(e.Code)) {
		return msgs.T(l, "errors."+string(e.Code))
	}
	return msgs.T(l, "errors.invalid")
}

// ParsePages parses each page template templates/<name>.html of fsys with
// templates/layout.html and templates/partials.html, by name.
func ParsePages(fsys fs.FS) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	base, err := template.New("").ParseFS(fsys, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// ServeCSS writes a stylesheet, cacheable for an hour.
func ServeCSS(w http.ResponseWriter, css []byte) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(css)
	return err
}

// Download sends body as a file to save: the console's, the portal's and
// the API's documents all go through it, so each is uncached (they hold
// personal data) and each file name is reduced to characters that cannot
// break out of the header's quoted string, whatever id it was built from.
func Download(w http.ResponseWriter, contentType, name string, body []byte) error {
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return -1
	}, name)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	_, err := w.Write(body)
	return err
}

// CountryName is the country's name in l ("RU" → "Russia", "Россия",
// "Ресей"), or the code when it has none.
func CountryName(l i18n.Lang, code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.Regions(language.Make(string(l))).Name(r); n != "" {
		return n
	}
	return code
}

// CountryCodes are the current ISO 3166-1 alpha-2 codes ident accepts.
func CountryCodes() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if code, err := ident.Country(string([]rune{a, b})); err == nil {
				out = append(out, code)
			}
		}
	}
	return out
}
