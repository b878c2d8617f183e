package ident

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
)

// covers R-CAT-2
func TestDocNumber(t *testing.T) {
	tests := []struct {
		in     string
		kazakh bool
		want   string
		rule   string
	}{
		{"N12345678", true, "N12345678", ""},
		{" n 1234 5678 ", true, "N12345678", ""},
		{"123456789", true, "123456789", ""},
		{"123 456 789", true, "123456789", ""},
		{"", true, "", "doc-kz-format"},
		{"N1234567", true, "", "doc-kz-format"},
		{"N123456789", true, "", "doc-kz-format"},
		{"12345678", true, "", "doc-kz-format"},
		{"1234567890", true, "", "doc-kz-format"},
		{"A12345678", true, "", "doc-kz-format"},
		{"Н12345678", true, "", "doc-kz-format"}, // Cyrillic Н
		{"N1234567٩", true, "", "doc-kz-format"},
		{"NN2345678", true, "", "doc-kz-format"},
		{"45 07 123456", false, "4507123456", ""},
		{"fa1234567", false, "FA1234567", ""},
		{"AB-12345", false, "AB-12345", ""},
		{"N12345678", false, "N12345678", ""},
		{"", false, "", "doc-format"},
		{"1234", false, "", "doc-format"},
		{"123456789012345678901", false, "", "doc-format"},
		{"-1234", false, "", "doc-format"},
		{"12345-", false, "", "doc-format"},
		{"АВ123456", false, "", "doc-format"}, // Cyrillic А, В
		{"ſ12345", false, "", "doc-format"},   // would upper-case to S
		{"12/34567", false, "", "doc-format"},
	}
	for _, tt := range tests {
		got, err := DocNumber(tt.in, tt.kazakh)
		wantRule(t, tt.in, err, tt.rule)
		if got != tt.want {
			t.Errorf("DocNumber(%q, %v) = %q, want %q", tt.in, tt.kazakh, got, tt.want)
		}
	}
}

// covers R-CAT-2
func TestDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		rule string
	}{
		{"1998-05-14", date(1998, 5, 14), ""},
		{" 2000-02-29 ", date(2000, 2, 29), ""},
		{"1900-01-01", date(1900, 1, 1), ""},
		{"2100-12-31", date(2100, 12, 31), ""},
		{"1899-12-31", time.Time{}, "date-format"},
		{"2101-01-01", time.Time{}, "date-format"},
		{"2001-02-29", time.Time{}, "date-format"},
		{"1998-13-01", time.Time{}, "date-format"},
		{"1998-00-10", time.Time{}, "date-format"},
		{"1998-5-14", time.Time{}, "date-format"},
		{"14.05.1998", time.Time{}, "date-format"},
		{"1998/05/14", time.Time{}, "date-format"},
		{"١٩٩٨-05-14", time.Time{}, "date-format"},
		{"+998-05-14", time.Time{}, "date-format"},
		{"", time.Time{}, "date-format"},
	}
	for _, tt := range tests {
		got, err := Date(tt.in)
		wantRule(t, tt.in, err, tt.rule)
		if !got.Equal(tt.want) {
			t.Errorf("Date(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// covers R-CAT-2
func TestCountry(t *testing.T) {
	tests := []struct{ in, want, rule string }{
		{"KZ", "KZ", ""},
		{"kz", "KZ", ""},
		{" ru ", "RU", ""},
		{"Uz", "UZ", ""},
		{"XK", "XK", ""},
		{"", "", "country-code"},
		{"K", "", "country-code"},
		{"KAZ", "", "country-code"},
		{"398", "", "country-code"},
		{"EU", "", "country-code"},
		{"ZZ", "", "country-code"},
		{"UK", "", "country-code"},
		{"SU", "", "country-code"},
		{"YU", "", "country-code"},
		{"AC", "", "country-code"},
		{"UN", "", "country-code"},
		{"EZ", "", "country-code"},
		{"IC", "", "country-code"},
		{"ſa", "", "country-code"},
		{"ҚЗ", "", "country-code"},
	}
	for _, tt := range tests {
		got, err := Country(tt.in)
		wantRule(t, tt.in, err, tt.rule)
		if got != tt.want {
			t.Errorf("Country(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// covers R-CAT-2
func TestCountryCount(t *testing.T) {
	// ISO 3166-1 assigns 249 codes; XK is accepted on top.
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if _, err := Country(string([]rune{a, b})); err == nil {
				n++
			}
		}
	}
	if n != 250 {
		t.Errorf("%d codes accepted, want 249 + XK", n)
	}
	if _, err := language.ParseRegion("KZ"); err != nil {
		t.Fatal(err)
	}
}

// covers R-CAT-2
func TestMoney(t *testing.T) {
	tests := []struct{ in, want, rule string }{
		{"350000 KZT", "350000 KZT", ""},
		{"1200.50 USD", "1200.50 USD", ""},
		{"1200,5 usd", "1200.50 USD", ""},
		{" 350000.00  KZT ", "350000 KZT", ""},
		{"0 KZT", "0 KZT", ""},
		{"000.10 EUR", "0.10 EUR", ""},
		{"007 RUB", "7 RUB", ""},
		{"999999999999999 KZT", "999999999999999 KZT", ""},
		{"1000000000000000 KZT", "", "money-format"},
		{"-5 KZT", "", "money-format"},
		{"+5 KZT", "", "money-format"},
		{"1.234 KZT", "", "money-format"},
		{"1,200.50 USD", "", "money-format"},
		{".5 USD", "", "money-format"},
		{"5. USD", "", "money-format"},
		{"350 000 KZT", "", "money-format"},
		{"350001", "", "money-format"},
		{"350001KZT", "", "money-format"},
		{"350001 KZ", "", "money-format"},
		{"350000 ТГ", "", "money-format"},
		{"350000 ſaa", "", "money-format"},
		{"١٢ KZT", "", "money-format"},
		{"1e5 KZT", "", "money-format"},
		{"", "", "money-format"},
	}
	for _, tt := range tests {
		got, err := Money(tt.in)
		wantRule(t, tt.in, err, tt.rule)
		if got != tt.want {
			t.Errorf("Money(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// covers R-CAT-2
func TestMessagesDoNotLeakValues(t *testing.T) {
	const secret = "980514301299"
	checks := []error{
		func() error { _, err := IIN(secret); return err }(),
		BIN(secret),
		func() error { _, err := DocNumber(secret+"X", true); return err }(),
		func() error { _, _, err := Phone(secret + "999999"); return err }(),
		func() error { _, err := Email(secret); return err }(),
		func() error { _, err := Name(secret); return err }(),
		func() error { _, err := Money(secret); return err }(),
		func() error { _, err := Date(secret); return err }(),
	}
	for i, err := range checks {
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("check %d: %v", i, err)
		}
	}
}
