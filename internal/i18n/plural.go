package i18n

import "math"

// Plural forms, as CLDR names them: the suffixes of plural message keys.
const (
	formOne   = "one"
	formFew   = "few"
	formMany  = "many"
	formOther = "other"
)

// pluralForms returns the forms a language distinguishes for cardinal
// numbers (CLDR plural rules): every plural message of l needs all of them.
func pluralForms(l Lang) []string {
	if l == RU {
		return []string{formOne, formFew, formMany, formOther}
	}
	return []string{formOne, formOther}
}

// isPluralForm reports whether s is the name of a plural form that some
// language uses; such a last key segment marks a plural message.
func isPluralForm(s string) bool {
	switch s {
	case "zero", formOne, "two", formFew, formMany, formOther:
		return true
	}
	return false
}

// pluralForm returns the plural form of l for the integer n, following the
// CLDR cardinal rules (checked against golang.org/x/text/feature/plural in
// the tests): Kazakh and English have one (n = 1) and other; Russian has
// one (21, 31…), few (2–4, 22–24…), many (0, 5–20, 25–30…), and other for
// fractions, which integers never reach.
func pluralForm(l Lang, n int64) string {
	if n == math.MinInt64 {
		n++ // same last digits for the rules below; avoids overflow
	}
	if n < 0 {
		n = -n
	}
	if l != RU {
		if n == 1 {
			return formOne
		}
		return formOther
	}
	mod10, mod100 := n%10, n%100
	switch {
	case mod10 == 1 && mod100 != 11:
		return formOne
	case mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14):
		return formFew
	default:
		return formMany
	}
}

// countForm returns the plural form of l for a count argument: an integer
// of any type picks its form; anything else (a fraction, a string) picks
// "other", which every language has.
func countForm(l Lang, count any) string {
	if n, ok := asInt64(count); ok {
		return pluralForm(l, n)
	}
	return formOther
}

// asInt64 returns v as an int64 if it is an integer type whose value fits.
func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return uintToInt64(uint64(n))
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return uintToInt64(n)
	}
	return 0, false
}

func uintToInt64(n uint64) (int64, bool) {
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}
