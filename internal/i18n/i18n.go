// Package i18n translates the staff console and the subject portal into
// Kazakh, Russian and English (requirement N-3) and formats dates and numbers
// for each of them.
//
// Messages live in embedded JSON catalogues, one flat {"key": "text"} object
// per language (messages/kk.json, ru.json, en.json). A text may hold
// {name}-style placeholders, filled from name/value pairs passed to
// [Catalog.T]. A message that depends on a number has one key per plural
// form, key.one and key.other (Kazakh, English) or key.one, key.few, key.many
// and key.other (Russian), chosen by the argument named "count".
//
// The language of a request comes from [Negotiate]: the user's remembered
// choice (a cookie) first, then the browser's Accept-Language, then Kazakh.
// A test asserts that [Catalog.Missing] is empty, so no page shows an
// untranslated string.
package i18n

import (
	"slices"
	"strconv"
	"strings"
)

// Lang is a supported user-interface language: a lowercase ISO 639-1 code.
type Lang string

// The supported languages.
const (
	KK Lang = "kk" // Kazakh (Cyrillic script): the default
	RU Lang = "ru" // Russian
	EN Lang = "en" // English
)

// Langs lists the supported languages in the order a language switcher
// shows them. Callers must not modify it.
var Langs = []Lang{KK, RU, EN}

// Valid reports whether l is one of [Langs].
func (l Lang) Valid() bool { return slices.Contains(Langs, l) }

// orDefault returns l if it is supported, else KK.
func (l Lang) orDefault() Lang {
	if l.Valid() {
		return l
	}
	return KK
}

// ParseLang returns the supported language named by s: a code such as "ru",
// or a language tag whose primary subtag is one ("ru-RU", "kk_KZ", "EN-gb").
// It reports false for anything else, including the empty string.
func ParseLang(s string) (Lang, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	l := Lang(strings.ToLower(s))
	return l, l.Valid()
}

// maxAcceptEntries bounds the work done on a hostile Accept-Language header.
const maxAcceptEntries = 32

// Negotiate chooses the language of a page. cookie is the value of the
// cookie that remembers the user's choice: if it names a supported language,
// that language wins. Otherwise the supported language that acceptLanguage
// (an HTTP Accept-Language header, RFC 9110 §12.5.4) prefers most is chosen,
// by q-value and then by order; "ru-RU" counts as ru, "kk-KZ" as kk, and
// entries with q=0 are refused. If neither names a supported language, the
// result is KK. Negotiate never fails: malformed input is ignored.
func Negotiate(cookie string, acceptLanguage string) Lang {
	if l, ok := ParseLang(cookie); ok {
		return l
	}
	type choice struct {
		lang Lang
		q    float64
	}
	var choices []choice
	for i, entry := range strings.Split(acceptLanguage, ",") {
		if i == maxAcceptEntries {
			break
		}
		tag, params, _ := strings.Cut(entry, ";")
		l, ok := ParseLang(tag)
		if !ok {
			continue
		}
		q, ok := qValue(params)
		if !ok || q <= 0 {
			continue
		}
		choices = append(choices, choice{l, q})
	}
	// Stable: among equal q-values the header's order decides.
	slices.SortStableFunc(choices, func(a, b choice) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	if len(choices) > 0 {
		return choices[0].lang
	}
	return KK
}

// qValue returns the weight in the parameters of an Accept-Language entry
// ("q=0.8"; 1 when absent). It reports false when the weight is malformed.
func qValue(params string) (float64, bool) {
	for p := range strings.SplitSeq(params, ";") {
		name, value, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || !(q >= 0 && q <= 1) { // also refuses NaN
			return 0, false
		}
		return q, true
	}
	return 1, true
}
