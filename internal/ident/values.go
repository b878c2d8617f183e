package ident

import (
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Date parses a calendar date written YYYY-MM-DD (surrounding spaces
// trimmed) and returns it as midnight UTC. The date must exist and its
// year lie in 1900–2100: anything else in a personal record is a typo.
// Errors (*derbes.Error, EInvalid): "date-format".
func Date(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' ||
		!allDigits(s[0:4]) || !allDigits(s[5:7]) || !allDigits(s[8:10]) {
		return time.Time{}, invalid("date-format", "a date is written YYYY-MM-DD")
	}
	y := num(s[0:4])
	t, ok := realDate(y, num(s[5:7]), num(s[8:10]))
	if !ok || y < 1900 || y > 2100 {
		return time.Time{}, invalid("date-format", "not a real date between 1900 and 2100")
	}
	return t, nil
}

// notCurrent lists two-letter codes that golang.org/x/text still calls
// countries but ISO 3166-1 does not assign to one today: exceptional
// reservations (AC, CP, DG, TA) and transitional ones for states that no
// longer exist (AN, CS, NT, SU, YU, FQ, PC). XK (Kosovo) is kept: it is
// user-assigned, not ISO, but it is what Kosovo's own passports carry.
const notCurrent = " AC CP DG TA AN CS NT SU YU FQ PC "

// Country validates an ISO 3166-1 alpha-2 country code (surrounding
// spaces trimmed, any case) and returns it upper-cased. It must name a
// country that exists today: "EU", "ZZ", "UK" (the ISO code is "GB") and
// "SU" are refused.
// Errors (*derbes.Error, EInvalid): "country-code".
func Country(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 2 || !asciiLetters(s) {
		return "", invalid("country-code", "a country is a two-letter ISO 3166-1 code")
	}
	s = strings.ToUpper(s)
	r, err := language.ParseRegion(s)
	// Canonicalize maps deprecated codes to their successors (UK→GB,
	// ZR→CD): a code that changes is not the current one. Codes without
	// an alpha-3 (ISO3 "ZZZ": UN, EZ, IC, EA, CQ) are CLDR's additions.
	if err != nil || !r.IsCountry() || r.Canonicalize() != r || r.String() != s ||
		r.ISO3() == "ZZZ" || strings.Contains(notCurrent, " "+s+" ") {
		return "", invalid("country-code", "not the ISO 3166-1 code of a country")
	}
	return s, nil
}

// maxAmountDigits bounds the integer part of a money amount; fifteen
// digits is more than any personal income and keeps amounts exact in a
// float64 should a report ever sum them.
const maxAmountDigits = 15

// Money normalises and validates an amount with its currency, such as
// "350000 KZT" or "1200.50 USD": a non-negative decimal with at most two
// fraction digits ("." or ","; Kazakh and Russian write a comma), spaces,
// and a three-letter currency code. The canonical form has no leading
// zeros, a "." and exactly two fraction digits unless the fraction is
// zero, one space and the code upper-cased: "1200,5 usd" → "1200.50 USD",
// "350000.00 KZT" → "350000 KZT". The code is checked for its shape, not
// against the ISO 4217 list, which changes.
// Errors (*derbes.Error, EInvalid): "money-format".
func Money(s string) (string, error) {
	f := strings.Fields(s)
	bad := invalid("money-format", `an amount is written like "350000 KZT" or "1200.50 USD"`)
	if len(f) != 2 || len(f[1]) != 3 || !asciiLetters(f[1]) {
		return "", bad
	}
	cur := strings.ToUpper(f[1])
	whole, frac, hasFrac := strings.Cut(strings.Replace(f[0], ",", ".", 1), ".")
	if !allDigits(whole) || hasFrac && (!allDigits(frac) || len(frac) > 2) {
		return "", bad
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if len(whole) > maxAmountDigits {
		return "", bad
	}
	if len(frac) == 1 {
		frac += "0"
	}
	if frac == "" || frac == "00" {
		return whole + " " + cur, nil
	}
	return whole + "." + frac + " " + cur, nil
}

// asciiLetters reports whether s is made of ASCII letters only. Checking
// before strings.ToUpper matters: Unicode upper-cases "ſ" to "S", so "ſa"
// would otherwise become Saudi Arabia.
func asciiLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
