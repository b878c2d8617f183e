// Package ident validates and normalises the identifiers and small typed
// values that the catalogue's value types name: the Kazakh IIN and BIN,
// passport and ID card numbers, phone numbers (E.164, Kazakh or Russian
// under +7), e-mail addresses, dates, country codes, personal names and
// money amounts.
//
// Every validator returns a *derbes.Error with code EInvalid and a stable
// rule ("iin-checksum", "phone-format", …). Field is left empty: only the
// caller knows which input the value came from and sets it. Messages are
// short English sentences that never quote the value, because the value is
// personal data and error messages end up in logs and API responses.
//
// Normalisers return the canonical form to store, so that two spellings of
// the same value encrypt, index and compare as one. Each canonical form is
// a fixed point: passing it back through its validator returns it unchanged.
//
// GenerateIIN and GenerateBIN make valid numbers for tests and the demo
// population; they are deterministic for a given random source.
package ident

import "github.com/derbes-kz/derbes"

// invalid builds the error every validator returns. Field stays empty on
// purpose: the caller knows the input's name, this package does not.
func invalid(rule, msg string) error { return derbes.Invalid("", rule, msg) }

// allDigits reports whether s is non-empty and made of ASCII digits only.
// unicode.IsDigit is not used on purpose: "٩" is a digit to Unicode but
// not to a Kazakh registry.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
