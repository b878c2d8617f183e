package ident

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
)

// wantRule checks that err is a *derbes.Error of code EInvalid with the
// given rule (or nil when rule is ""), an empty Field, and a message that
// does not repeat the input.
func wantRule(t *testing.T, input string, err error, rule string) {
	t.Helper()
	if rule == "" {
		if err != nil {
			t.Errorf("%q: unexpected error %v", input, err)
		}
		return
	}
	e := derbes.AsError(err)
	switch {
	case e == nil:
		t.Errorf("%q: error %v, want rule %s", input, err, rule)
	case e.Code != derbes.EInvalid || e.Rule != rule || e.Field != "":
		t.Errorf("%q: got %+v, want EInvalid rule %s, empty field", input, e, rule)
	case len(strings.TrimSpace(input)) > 2 && strings.Contains(e.Error(), strings.TrimSpace(input)):
		t.Errorf("%q: message %q leaks the value", input, e.Error())
	}
}

// asInvalid returns err as an EInvalid *derbes.Error, or nil.
func asInvalid(err error) *derbes.Error {
	if e := derbes.AsError(err); e != nil && e.Code == derbes.EInvalid {
		return e
	}
	return nil
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// covers R-CAT-2
func TestIIN(t *testing.T) {
	tests := []struct {
		in    string
		rule  string
		birth time.Time
		male  bool
	}{
		{"980514301233", "", date(1998, 5, 14), true},
		{"051103645675", "", date(2005, 11, 3), false},
		{"001231600911", "", date(2000, 12, 31), false}, // second weight pass
		{"980514301234", "iin-checksum", time.Time{}, false},
		{"051103745675", "iin-century", time.Time{}, false},
		{"900101300800", "iin-checksum", time.Time{}, false},
		{"981314301233", "iin-date", time.Time{}, false},
		{"980230301233", "iin-date", time.Time{}, false},     // 30 February
		{"000229500000", "iin-checksum", time.Time{}, false}, // 2000 is a leap year
		{"010229500000", "iin-date", time.Time{}, false},     // 2001 is not
		{"980514001233", "iin-century", time.Time{}, false},
		{"", "iin-format", time.Time{}, false},
		{"98051430123", "iin-format", time.Time{}, false},
		{"9805143012333", "iin-format", time.Time{}, false},
		{" 980514301233", "iin-format", time.Time{}, false},
		{"980514301233 ", "iin-format", time.Time{}, false},
		{"9805 14301233", "iin-format", time.Time{}, false},
		{"98051430123a", "iin-format", time.Time{}, false},
		{"abcdefghijkl", "iin-format", time.Time{}, false},
		{"٩٨٠٥١٤٣٠١٢٣٣", "iin-format", time.Time{}, false}, // Arabic-Indic digits
		{"98051430123٩", "iin-format", time.Time{}, false},
		{"９８０５１４３０１２３３", "iin-format", time.Time{}, false}, // full-width
		{"-98051430123", "iin-format", time.Time{}, false},
	}
	for _, tt := range tests {
		info, err := IIN(tt.in)
		wantRule(t, tt.in, err, tt.rule)
		if tt.rule == "" && (!info.Birth.Equal(tt.birth) || info.Male != tt.male) {
			t.Errorf("%q: got %v male=%v, want %v male=%v", tt.in, info.Birth, info.Male, tt.birth, tt.male)
		}
	}
}

// covers R-CAT-2
func TestCheckDigitSecondPass(t *testing.T) {
	// 001231600911 is the documented case where the first pass gives 10.
	sum := 0
	for i, c := range "00123160091" {
		sum += int(c-'0') * (i + 1)
	}
	if sum%11 != 10 {
		t.Fatalf("first pass gives %d, the example no longer tests the second pass", sum%11)
	}
	if d, ok := checkDigit("00123160091"); !ok || d != 1 {
		t.Errorf("checkDigit = %d, %v; want 1, true", d, ok)
	}
}

// covers R-CAT-2
func TestGenerateIINRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	births := []time.Time{
		date(1899, 12, 31), date(1850, 2, 28), // 1800s: century digit 1/2
		date(1900, 1, 1), date(1998, 5, 14), // 1900s: 3/4
		date(2000, 2, 29), date(2009, 12, 31), date(2099, 6, 30), // 2000s: 5/6
	}
	for _, b := range births {
		for _, male := range []bool{true, false} {
			for range 200 {
				s := GenerateIIN(r, b, male)
				info, err := IIN(s)
				if err != nil {
					t.Fatalf("GenerateIIN(%v, %v) = %s: %v", b, male, s, err)
				}
				if !info.Birth.Equal(b) || info.Male != male {
					t.Fatalf("%s: got %v male=%v, want %v male=%v", s, info.Birth, info.Male, b, male)
				}
			}
		}
	}
}

// covers R-CAT-2
func TestGenerateIINDeterministic(t *testing.T) {
	a := GenerateIIN(rand.New(rand.NewPCG(7, 7)), date(1990, 1, 1), true)
	b := GenerateIIN(rand.New(rand.NewPCG(7, 7)), date(1990, 1, 1), true)
	if a != b {
		t.Errorf("same seed gave %s and %s", a, b)
	}
}

// covers R-CAT-2
func TestGenerateIINPanicsOutsideRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a birth year an IIN cannot hold")
		}
	}()
	GenerateIIN(rand.New(rand.NewPCG(1, 1)), date(2100, 1, 1), true)
}

// covers R-CAT-2
func TestBIN(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	good := GenerateBIN(r)
	tests := []struct{ in, rule string }{
		{good, ""},
		{"", "bin-format"},
		{"12345678901", "bin-format"},
		{"1234567890123", "bin-format"},
		{"98051430123a", "bin-format"},
		{"٩٨٠٥١٤٣٠١٢٣٣", "bin-format"},
		{"991340000000", "bin-format"}, // month 13
		{"990040000000", "bin-format"}, // month 00
		{"980514301233", "bin-type"},   // a valid IIN is not a BIN
		{good[:4] + "7" + good[5:], "bin-type"},
	}
	for _, tt := range tests {
		wantRule(t, tt.in, BIN(tt.in), tt.rule)
	}
	// Every single-digit change of the check digit must be caught.
	for d := '0'; d <= '9'; d++ {
		if byte(d) == good[11] {
			continue
		}
		bad := good[:11] + string(d)
		wantRule(t, bad, BIN(bad), "bin-checksum")
	}
}

// covers R-CAT-2
func TestGenerateBIN(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		s := GenerateBIN(r)
		if err := BIN(s); err != nil {
			t.Fatalf("GenerateBIN = %s: %v", s, err)
		}
		if s[4] != '4' {
			t.Fatalf("GenerateBIN = %s: not a resident legal entity", s)
		}
	}
}
