package consentdoc

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/derbes-kz/derbes"
)

// Text returns the consent text in lang ("kk", "ru" or "en"; "" means
// in.Terms.Language): the text shown to the subject and stored, with
// [TextVersion] and [TextSHA256], in the consent record (R-BASIS-2).
//
// It holds no personal value: the subject is "the Subject" (Субъект), the
// person named in the signed document, and a legal representative is
// mentioned only by relationship. SubjectName, SubjectIIN,
// RepresentativeName, ConsentID and GivenAt are not used, except that a
// representative's name makes the text the representative's. Recipients
// are organisations: they are shown by their names in RecipientNames, or
// by kind and registry ID. The text is a function of in.Terms (less Form,
// Evidence and the text fields), the catalogue's titles and labels, the
// recipient names and lang: the same inputs always give the same text.
//
// The text states the purposes, the eight items of Law 94-V Art. 8 p.4 as
// numbered lines and the subject's right to withdraw (Art. 8 p.2, p.7).
// Lines are separated by "\n"; there is no final newline.
//
// Errors: see the package documentation (all rules except those of Form
// and Receipt).
func Text(in Input, lang string) (string, error) {
	m, err := prepare(&in, lang)
	if err != nil {
		return "", err
	}
	return m.text(), nil
}

// TextSHA256 returns the hex SHA-256 of text's UTF-8 bytes: the value of
// derbes.ConsentTerms.TextSHA256 for a text made by [Text].
func TextSHA256(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// text writes the consent text of m.
func (m *model) text() string {
	var b strings.Builder
	b.WriteString(m.intro())
	b.WriteString("\n")
	b.WriteString(m.w.purposes)
	for _, p := range m.purposes {
		b.WriteString("\n– ")
		b.WriteString(p.Title.In(m.lang))
	}
	for i, v := range m.items(m.w.subjectValue) {
		fmt.Fprintf(&b, "\n%d. %s: %s", i+1, m.w.items[i], v)
	}
	b.WriteString("\n")
	b.WriteString(m.w.withdrawal)
	b.WriteString("\n")
	fmt.Fprintf(&b, m.w.version, TextVersion)
	return b.String()
}

// intro is the text's opening sentence: the subject's, or the legal
// representative's.
func (m *model) intro() string {
	if m.rep {
		return fmt.Sprintf(m.w.introRep, lowerFirst(m.rel.Label.In(m.lang)))
	}
	return m.w.intro
}

// items returns the values of the eight items of Art. 8 p.4, with subject
// as item 2.
func (m *model) items(subject string) [8]string {
	t := &m.in.Terms
	w := m.w
	var v [8]string
	v[0] = m.operator()
	v[1] = subject
	v[2] = m.period()
	v[3] = w.notAllowed
	if t.ThirdParty {
		rs := make([]string, len(m.recipients))
		for i, r := range m.recipients {
			rs[i] = m.recipient(r)
		}
		v[3] = fmt.Sprintf(w.recipientsAllowed, strings.Join(rs, "; "))
	}
	v[4] = w.notAllowed
	if t.CrossBorder {
		cs := make([]string, len(m.countries))
		for i, c := range m.countries {
			cs[i] = countryName(c, m.lang)
		}
		v[4] = fmt.Sprintf(w.countriesAllowed, strings.Join(cs, ", "))
	}
	v[5] = w.notAllowed
	if t.Publication {
		v[5] = w.allowed
	}
	ls := make([]string, len(m.categories))
	for i, c := range m.categories {
		ls[i] = c.Label.In(m.lang)
	}
	v[6] = strings.Join(ls, "; ")
	v[7] = w.none
	if o := strings.TrimSpace(t.Other); o != "" {
		v[7] = o
	}
	return v
}

// operator is item 1: the operator's name and BIN.
func (m *model) operator() string {
	return strings.TrimSpace(m.in.Terms.OperatorName) + ", " + m.w.bin + " " + m.in.Terms.OperatorBIN
}

// period is item 3. A consent is live while now is before ExpiresAt, so an
// expiry at midnight in Kazakhstan is stated as the day before, inclusive.
func (m *model) period() string {
	e := m.in.Terms.ExpiresAt
	if e == nil {
		return m.w.untilPurposes
	}
	t := e.In(kzTime)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return fmt.Sprintf(m.w.until, m.date(t.AddDate(0, 0, -1)))
	}
	return fmt.Sprintf(m.w.untilTime, m.date(t), t.Format("15:04"))
}

// date writes the calendar date of t (already in Kazakhstan time).
func (m *model) date(t time.Time) string {
	if m.lang == "en" {
		return fmt.Sprintf("%d %s %d", t.Day(), enMonths[t.Month()-1], t.Year())
	}
	return t.Format("02.01.2006")
}

// dateTime writes an instant in Kazakhstan time, e.g. for GivenAt.
func (m *model) dateTime(t time.Time) string {
	t = t.In(kzTime)
	return m.date(t) + " " + t.Format("15:04") + " (UTC+5)"
}

// recipient describes one recipient of item 4: its name when the caller
// gave one, its kind and its country; a recipient without a name by its
// registry ID; a recipient without an ID stands for any of its kind.
func (m *model) recipient(r derbes.Recipient) string {
	var name string
	if r.ID != "" {
		name = strings.TrimSpace(m.in.RecipientNames[r.ID])
	}
	var kind string
	if r.Kind != "" {
		kind = kindLabel(r.Kind, m.lang)
	}
	base, extra := name, []string{}
	switch {
	case name != "":
		if kind != "" {
			extra = append(extra, kind)
		}
	case r.ID == "":
		base = kind
		extra = append(extra, m.w.anyOfKind)
	case kind != "":
		base = kind
		extra = append(extra, fmt.Sprintf(m.w.registryEntry, r.ID))
	default:
		base = fmt.Sprintf(m.w.registryEntry, r.ID)
	}
	if r.Country != "" {
		extra = append(extra, countryName(r.Country, m.lang))
	}
	if len(extra) == 0 {
		return base
	}
	return base + " (" + strings.Join(extra, ", ") + ")"
}

// lowerFirst lower-cases the first letter of s: a relationship label
// ("Ата-анасы", "Родитель") inside a sentence.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
