package i18n

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		cookie, accept string
		want           Lang
	}{
		{"", "", KK},
		{"ru", "", RU},
		{"en", "ru-RU,ru;q=0.9", EN},           // the remembered choice wins
		{" EN ", "", EN},                       // tolerant of case and spaces
		{"de", "ru", RU},                       // an invalid cookie is ignored
		{"", "ru-RU,ru;q=0.9,en;q=0.8", RU},    // region subtags count as the language
		{"", "kk-KZ,kk;q=0.9", KK},             //
		{"", "en-US,en;q=0.9", EN},             //
		{"", "de-DE,de;q=0.9,en;q=0.5", EN},    // first supported one
		{"", "fr, de", KK},                     // none supported
		{"", "en;q=0.5, ru;q=0.9", RU},         // q-values, not order, decide
		{"", "en;q=0.8, ru;q=0.8", EN},         // equal q: order decides
		{"", "ru;q=0, en;q=0.1", EN},           // q=0 means "not this one"
		{"", "ru;q=0", KK},                     //
		{"", "ru;q=abc, en", EN},               // a malformed q-value drops its entry
		{"", "ru;q=2, en", EN},                 //
		{"", "ru;q=NaN, en", EN},               //
		{"", "*", KK},                          // a wildcard says nothing
		{"", " ru ; q=0.7 , en ; q = 0.6", RU}, // white space
		{"", "KK", KK},                         //
		{"", "ru_RU", RU},                      //
		{"", ",,;,;q=", KK},                    // junk
		{"", "kz", KK},                         // a country code, not a language
		{"", "rus", KK},                        //
	}
	for _, tt := range tests {
		if got := Negotiate(tt.cookie, tt.accept); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %s, want %s", tt.cookie, tt.accept, got, tt.want)
		}
	}
}

func TestNegotiateLongHeader(t *testing.T) {
	header := strings.Repeat("de;q=0.9,", 10_000) + "en"
	if got := Negotiate("", header); got != KK {
		t.Errorf("Negotiate(long header) = %s, want KK: entries past the limit are ignored", got)
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"kk": KK, "ru-RU": RU, "EN-gb": EN, "kk_KZ": KK} {
		if got, ok := ParseLang(in); !ok || got != want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q, true", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", "de", "kz", "english", "ru RU"} {
		if got, ok := ParseLang(in); ok {
			t.Errorf("ParseLang(%q) = %q, true; want false", in, got)
		}
	}
}
