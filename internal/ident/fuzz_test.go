package ident

import (
	"strings"
	"testing"
)

// The fuzz targets check properties that hold for any input: no panic;
// errors carry their package's rules; an accepted value's canonical form
// is a fixed point of its validator. Seeds are in testdata/fuzz, so a
// plain "go test" replays them.

// covers R-CAT-2
func FuzzIIN(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		info, err := IIN(s)
		if err != nil {
			checkRule(t, err, "iin-format", "iin-century", "iin-date", "iin-checksum")
			return
		}
		if got := info.Birth.Format("060102"); got != s[:6] {
			t.Fatalf("%q: birth %s does not match its digits", s, got)
		}
		if info.Male != ((s[6]-'0')%2 == 1) {
			t.Fatalf("%q: sex does not match the 7th digit", s)
		}
		// The 5th digit of an IIN is a day's tens (0-3), never a BIN type.
		if BIN(s) == nil {
			t.Fatalf("%q: accepted as both IIN and BIN", s)
		}
	})
}

// covers R-CAT-2
func FuzzBIN(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		err := BIN(s)
		if err != nil {
			checkRule(t, err, "bin-format", "bin-type", "bin-checksum")
			return
		}
		// A single changed check digit must always be caught.
		d := byte('0' + (s[11]-'0'+1)%10)
		if BIN(s[:11]+string(d)) == nil {
			t.Fatalf("%q: two check digits accepted", s)
		}
	})
}

// covers R-CAT-2
func FuzzDocNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, kazakh bool) {
		n, err := DocNumber(s, kazakh)
		if err != nil {
			checkRule(t, err, "doc-kz-format", "doc-format")
			return
		}
		if again, err := DocNumber(n, kazakh); err != nil || again != n {
			t.Fatalf("%q → %q → %q, %v", s, n, again, err)
		}
		if kazakh {
			if _, err := DocNumber(n, false); err != nil {
				t.Fatalf("%q: a Kazakh number fails the soft check: %v", n, err)
			}
		}
	})
}

// covers R-CAT-2
func FuzzPhone(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		e, region, err := Phone(s)
		if err != nil {
			checkRule(t, err, "phone-format")
			return
		}
		if !strings.HasPrefix(e, "+") || len(e) > 16 {
			t.Fatalf("%q → %q: not E.164", s, e)
		}
		e2, region2, err := Phone(e)
		if err != nil || e2 != e || region2 != region {
			t.Fatalf("%q → %q %q → %q %q, %v", s, e, region, e2, region2, err)
		}
		if strings.HasPrefix(e, "+7") && region != "KZ" && region != "RU" {
			t.Fatalf("%q: +7 number in region %q", e, region)
		}
	})
}

// covers R-CAT-2
func FuzzEmail(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Email(s)
		if err != nil {
			checkRule(t, err, "email-format")
			return
		}
		if again, err := Email(a); err != nil || again != a {
			t.Fatalf("%q → %q → %q, %v", s, a, again, err)
		}
		if len(a) > 254 || strings.Count(a, "@") != 1 || a != strings.ToLower(a) {
			t.Fatalf("%q → %q breaks the documented shape", s, a)
		}
	})
}

// covers R-CAT-2
func FuzzName(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		k := FoldName(s)
		if k2 := FoldName(k); k2 != k {
			t.Fatalf("FoldName not idempotent: %q → %q → %q", s, k, k2)
		}
		n, err := Name(s)
		if err != nil {
			checkRule(t, err, "name-format")
			return
		}
		if again, err := Name(n); err != nil || again != n {
			t.Fatalf("%q → %q → %q, %v", s, n, again, err)
		}
		if FoldName(n) != k {
			t.Fatalf("%q and its canonical form %q fold differently", s, n)
		}
	})
}

// covers R-CAT-2
func FuzzMoney(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Money(s)
		if err != nil {
			checkRule(t, err, "money-format")
			return
		}
		if again, err := Money(m); err != nil || again != m {
			t.Fatalf("%q → %q → %q, %v", s, m, again, err)
		}
	})
}

// covers R-CAT-2
func FuzzDate(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Date(s)
		if err != nil {
			checkRule(t, err, "date-format")
			return
		}
		if got := d.Format("2006-01-02"); got != strings.TrimSpace(s) {
			t.Fatalf("%q → %s", s, got)
		}
	})
}

// checkRule fails unless err is an EInvalid *derbes.Error with one of rules.
func checkRule(t *testing.T, err error, rules ...string) {
	t.Helper()
	for _, r := range rules {
		if e := asInvalid(err); e != nil && e.Rule == r && e.Field == "" {
			return
		}
	}
	t.Fatalf("error %v is not one of %v", err, rules)
}
