package ident

import (
	"strings"
	"unicode"
)

// DocNumber normalises and validates an identity document number: spaces
// anywhere are removed and ASCII letters upper-cased, so "n 1234 5678"
// and "N12345678" are stored as one. Only ASCII is upper-cased: Unicode
// case mapping turns "ı" into "I" and "ſ" into "S", which would let
// look-alike characters in.
//
// kazakh selects the rule. A Kazakh document must be a passport ("N" and 8
// digits) or an ID card (9 digits). A foreign document is checked softly,
// since formats vary by country: 5 to 20 characters of A–Z, 0–9 and "-",
// beginning and ending with a letter or digit.
// Errors (*derbes.Error, EInvalid): "doc-kz-format" when kazakh, else
// "doc-format". It returns the normalised number.
func DocNumber(s string, kazakh bool) (string, error) {
	n := normDoc(s)
	if kazakh {
		if !isKazakhDoc(n) {
			return "", invalid("doc-kz-format", "a Kazakh passport is N and 8 digits, an ID card 9 digits")
		}
		return n, nil
	}
	if !isForeignDoc(n) {
		return "", invalid("doc-format", "a document number is 5 to 20 letters, digits or hyphens")
	}
	return n, nil
}

// normDoc drops every space and upper-cases ASCII letters.
func normDoc(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isKazakhDoc(n string) bool {
	switch len(n) {
	case 9:
		return n[0] == 'N' && allDigits(n[1:]) || allDigits(n)
	default:
		return false
	}
}

func isForeignDoc(n string) bool {
	if len(n) < 5 || len(n) > 20 || n[0] == '-' || n[len(n)-1] == '-' {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
