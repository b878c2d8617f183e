package ident

import (
	"math/rand/v2"
	"time"
)

// IINInfo is what an IIN says about its holder.
type IINInfo struct {
	Birth time.Time // date of birth, midnight UTC
	Male  bool
}

// IIN validates a Kazakh individual identification number: 12 ASCII
// digits, YYMMDD, a century-and-sex digit, a 4-digit serial and a check
// digit. Surrounding spaces are not trimmed: the caller decides how
// forgiving its input is, and a stored IIN must be exactly 12 digits.
// Errors (*derbes.Error, EInvalid), checked in this order: "iin-format"
// (not exactly 12 ASCII digits), "iin-century" (7th digit not 1–6),
// "iin-date" (no such date in that century), "iin-checksum".
func IIN(s string) (IINInfo, error) {
	if len(s) != 12 || !allDigits(s) {
		return IINInfo{}, invalid("iin-format", "an IIN is exactly 12 digits")
	}
	c := s[6] - '0'
	if c < 1 || c > 6 {
		return IINInfo{}, invalid("iin-century", "the 7th digit of an IIN must be 1 to 6")
	}
	year := 1800 + 100*int((c-1)/2) + num(s[0:2])
	month, day := num(s[2:4]), num(s[4:6])
	birth, ok := realDate(year, month, day)
	if !ok {
		return IINInfo{}, invalid("iin-date", "the IIN does not start with a real date of birth")
	}
	if d, ok := checkDigit(s[:11]); !ok || d != int(s[11]-'0') {
		return IINInfo{}, invalid("iin-checksum", "the IIN check digit does not match")
	}
	return IINInfo{Birth: birth, Male: c%2 == 1}, nil
}

// BIN validates a Kazakh business identification number: YYMM of
// registration, a type digit (4 resident legal entity, 5 non-resident,
// 6 individual entrepreneur in joint business), a sign digit, a serial
// and the IIN's check digit.
// Errors (*derbes.Error, EInvalid), in this order: "bin-format" (not 12
// ASCII digits, or digits 3–4 not a month 01–12), "bin-type" (5th digit
// not 4, 5 or 6), "bin-checksum".
func BIN(s string) error {
	if len(s) != 12 || !allDigits(s) {
		return invalid("bin-format", "a BIN is exactly 12 digits")
	}
	if m := num(s[2:4]); m < 1 || m > 12 {
		return invalid("bin-format", "digits 3-4 of a BIN must be a month")
	}
	// The type is checked before the check digit so that an IIN typed into
	// a BIN field (valid check digit, day digit 0-3 in 5th place) is named
	// for what it is rather than passing.
	if t := s[4]; t != '4' && t != '5' && t != '6' {
		return invalid("bin-type", "the 5th digit of a BIN must be 4, 5 or 6")
	}
	if d, ok := checkDigit(s[:11]); !ok || d != int(s[11]-'0') {
		return invalid("bin-checksum", "the BIN check digit does not match")
	}
	return nil
}

// checkDigit computes the check digit of the first 11 digits of an IIN or
// BIN. The first pass weighs digit i by i+1, the second by i+3 wrapping
// round after 11 (3, 4, … 11, 1, 2). ok is false when both passes give 10:
// no 12th digit can make such a number valid, so registries never issue it.
func checkDigit(d11 string) (digit int, ok bool) {
	for _, shift := range [2]int{0, 2} {
		sum := 0
		for i := range 11 {
			sum += int(d11[i]-'0') * ((i+shift)%11 + 1)
		}
		if r := sum % 11; r != 10 {
			return r, true
		}
	}
	return 0, false
}

// num converts a short string of ASCII digits (already checked) to an int.
func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// realDate returns the date and true when year-month-day exists; time.Date
// would silently roll 31 April over to 1 May.
func realDate(year, month, day int) (time.Time, bool) {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// GenerateIIN returns a valid IIN for someone born on birth (its date in
// UTC is used) of the given sex, with a random serial drawn from r.
// Serials whose check digit is 10 on both passes are skipped, as the
// registry does. It is for tests and demo data only.
// It panics if birth's year is outside 1800–2099, which an IIN cannot
// express: that is a bug in the caller, not bad input.
func GenerateIIN(r *rand.Rand, birth time.Time, male bool) string {
	birth = birth.UTC()
	y := birth.Year()
	if y < 1800 || y > 2099 {
		panic("ident.GenerateIIN: birth year outside 1800-2099")
	}
	c := 2*((y-1800)/100) + 2
	if male {
		c--
	}
	b := make([]byte, 0, 12)
	b = appendNum(b, y%100, 2)
	b = appendNum(b, int(birth.Month()), 2)
	b = appendNum(b, birth.Day(), 2)
	b = append(b, byte('0'+c))
	return withSerial(r, b)
}

// GenerateBIN returns a valid BIN of a resident legal entity (type 4, sign
// 0: a head office) registered in a random month of 2000–2025, drawn from
// r. It is for tests and demo data only, and never fails.
func GenerateBIN(r *rand.Rand) string {
	b := make([]byte, 0, 12)
	b = appendNum(b, r.IntN(26), 2)
	b = appendNum(b, 1+r.IntN(12), 2)
	b = append(b, '4', '0')
	return withSerial(r, b)
}

// withSerial completes a prefix with random digits up to 11 and appends
// the check digit, drawing again while the number would have none.
func withSerial(r *rand.Rand, prefix []byte) string {
	for {
		b := prefix
		for len(b) < 11 {
			b = append(b, byte('0'+r.IntN(10)))
		}
		if d, ok := checkDigit(string(b)); ok {
			return string(append(b, byte('0'+d)))
		}
	}
}

// appendNum appends n zero-padded to width digits.
func appendNum(b []byte, n, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		p := 1
		for range i {
			p *= 10
		}
		b = append(b, byte('0'+(n/p)%10))
	}
	return b
}
